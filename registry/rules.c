/* registry/rules.c - see rules.h. */
#include "registry/rules.h"

#include <stdio.h>
#include <string.h>

/* --- GB 32100-2015 ---------------------------------------------------- */

static const char uscc_charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY"; /* 31 characters */
static const int uscc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

static int uscc_value(char c)
{
    if (c == '\0')
        return -1;
    const char *p = strchr(uscc_charset, c);
    return p == NULL ? -1 : (int)(p - uscc_charset);
}

char ph_uscc_check_char(const char *first17)
{
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        int v = uscc_value(first17[i]);
        if (v < 0)
            return '\0';
        sum += v * uscc_weights[i];
    }
    return uscc_charset[(31 - sum % 31) % 31];
}

bool ph_uscc_is_valid(const char *uscc)
{
    if (uscc == NULL || strlen(uscc) != 18)
        return false;
    for (int i = 2; i < 8; i++) {
        if (uscc[i] < '0' || uscc[i] > '9')
            return false;
    }
    char check = ph_uscc_check_char(uscc);
    return check != '\0' && check == uscc[17];
}

/* --- GB/T 2260 -------------------------------------------------------- */

static const struct {
    const char prefix[3];
    const char *name;
} provinces[] = {
    {"11", "北京市"},         {"12", "天津市"},         {"13", "河北省"},           {"14", "山西省"},
    {"15", "内蒙古自治区"},   {"21", "辽宁省"},         {"22", "吉林省"},           {"23", "黑龙江省"},
    {"31", "上海市"},         {"32", "江苏省"},         {"33", "浙江省"},           {"34", "安徽省"},
    {"35", "福建省"},         {"36", "江西省"},         {"37", "山东省"},           {"41", "河南省"},
    {"42", "湖北省"},         {"43", "湖南省"},         {"44", "广东省"},           {"45", "广西壮族自治区"},
    {"46", "海南省"},         {"50", "重庆市"},         {"51", "四川省"},           {"52", "贵州省"},
    {"53", "云南省"},         {"54", "西藏自治区"},     {"61", "陕西省"},           {"62", "甘肃省"},
    {"63", "青海省"},         {"64", "宁夏回族自治区"}, {"65", "新疆维吾尔自治区"}, {"71", "台湾省"},
    {"81", "香港特别行政区"}, {"82", "澳门特别行政区"},
};

size_t ph_region_province_count(void)
{
    return sizeof provinces / sizeof provinces[0];
}

const char *ph_region_province_prefix(size_t index)
{
    return index < ph_region_province_count() ? provinces[index].prefix : NULL;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

const char *ph_region_province_name(const char *code)
{
    if (code == NULL || strlen(code) != 6 || !all_digits(code, 6))
        return NULL;
    if (strcmp(code, "000000") == 0)
        return "全国";
    for (size_t i = 0; i < ph_region_province_count(); i++) {
        if (memcmp(code, provinces[i].prefix, 2) == 0)
            return provinces[i].name;
    }
    return NULL;
}

void ph_region_units(const char *code, struct ph_region_units *out)
{
    snprintf(out->city, sizeof out->city, "%.4s00", code);
    snprintf(out->province, sizeof out->province, "%.2s0000", code);
    if (strcmp(code + 2, "0000") == 0)
        snprintf(out->like, sizeof out->like, "%.2s%%", code);
    else if (strcmp(code + 4, "00") == 0)
        snprintf(out->like, sizeof out->like, "%.4s%%", code);
    else
        snprintf(out->like, sizeof out->like, "%.6s", code);
}

bool ph_region_is_valid(const char *code)
{
    if (ph_region_province_name(code) == NULL)
        return false;
    if (strcmp(code, "000000") == 0)
        return true;
    /* A county part under a missing city part (e.g. 330006) names nothing. */
    if (memcmp(code + 2, "00", 2) == 0 && memcmp(code + 4, "00", 2) != 0)
        return false;
    return true;
}

/* --- dates, quarters, phone numbers, URLs ------------------------------ */

static int parse_digits(const char *s, size_t n)
{
    int value = 0;
    for (size_t i = 0; i < n; i++)
        value = value * 10 + (s[i] - '0');
    return value;
}

bool ph_date_is_valid(const char *date)
{
    if (date == NULL || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
        return false;
    if (!all_digits(date, 4) || !all_digits(date + 5, 2) || !all_digits(date + 8, 2))
        return false;
    int year = parse_digits(date, 4);
    int month = parse_digits(date + 5, 2);
    int day = parse_digits(date + 8, 2);
    if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1)
        return false;
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max_day = month_days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= max_day;
}

bool ph_quarter_is_valid(const char *quarter)
{
    if (quarter == NULL || strlen(quarter) != 6 || !all_digits(quarter, 4) || quarter[4] != 'Q')
        return false;
    int year = parse_digits(quarter, 4);
    return year >= 2000 && year <= 2100 && quarter[5] >= '1' && quarter[5] <= '4';
}

bool ph_hotline_is_valid(const char *hotline)
{
    if (hotline == NULL)
        return false;
    size_t len = strlen(hotline);
    if (len < 3 || len > 20)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = hotline[i];
        if (c == '-') {
            if (i == 0 || i == len - 1 || hotline[i - 1] == '-')
                return false;
        } else if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

bool ph_url_is_valid(const char *url)
{
    if (url == NULL)
        return false;
    size_t len = strlen(url);
    if (len > 500)
        return false;
    size_t scheme_len;
    if (strncmp(url, "https://", 8) == 0)
        scheme_len = 8;
    else if (strncmp(url, "http://", 7) == 0)
        scheme_len = 7;
    else
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>\"'\\`{}|^", c) != NULL)
            return false;
    }
    /* Authority: up to the first '/', '?', '#'. A host name of letters,
     * digits, dots and hyphens (IDNs arrive punycoded), then an optional
     * ":port". No '@': credentials in a public link are a phishing trick. */
    const char *host = url + scheme_len;
    size_t authority_len = strcspn(host, "/?#");
    size_t host_len = strcspn(host, ":/?#");
    if (host_len == 0)
        return false;
    for (size_t i = 0; i < host_len; i++) {
        char c = host[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '-';
        if (!ok)
            return false;
    }
    if (host_len < authority_len) {
        /* ":" and 1-5 digits */
        size_t port_len = authority_len - host_len - 1;
        if (port_len == 0 || port_len > 5 || !all_digits(host + host_len + 1, port_len))
            return false;
    }
    return true;
}

bool ph_rating_is_valid(const char *rating)
{
    return rating != NULL && rating[0] >= 'A' && rating[0] <= 'D' && rating[1] == '\0';
}

bool ph_solvency_is_adequate(double core_pct, double comprehensive_pct, const char *rating)
{
    if (!ph_rating_is_valid(rating))
        return false;
    return core_pct >= 50.0 && comprehensive_pct >= 100.0 && (rating[0] == 'A' || rating[0] == 'B');
}

/* --- enumerations ----------------------------------------------------- */

#define ENUM(var, ename, arr) const struct ph_enum var = {ename, arr, sizeof arr / sizeof arr[0]}

static const struct ph_enum_value category_values[] = {
    {"accident", "意外伤害保险"},
    {"medical", "医疗保险"},
    {"critical_illness", "重大疾病保险"},
    {"term_life", "定期寿险"},
    {"home_property", "家庭财产保险"},
    {"agriculture", "农业保险"},
    {"pension", "养老年金保险"},
    {"long_term_care", "长期护理保险"},
    {"liability", "责任保险"},
    {"other", "其他保险"},
};
ENUM(ph_enum_category, "category", category_values);

static const struct ph_enum_value group_values[] = {
    {"elderly", "老年人"},
    {"disabled", "残疾人"},
    {"rural", "农村居民"},
    {"low_income", "低收入和脱贫人口"},
    {"new_citizens", "新市民和灵活就业人员"},
    {"special_occupations", "特殊职业人员"},
    {"chronic_conditions", "有既往症或慢性病的人"},
    {"women_children", "妇女儿童"},
    {"small_business", "小微企业和个体工商户"},
    {"new_agri", "新型农业经营主体"},
};
ENUM(ph_enum_target_group, "target_groups", group_values);

static const struct ph_enum_value preexisting_values[] = {
    {"covered", "有既往症也能赔"},
    {"partly", "既往症部分能赔"},
    {"not_covered", "既往症不赔"},
};
ENUM(ph_enum_preexisting, "preexisting_conditions", preexisting_values);

static const struct ph_enum_value channel_values[] = {
    {"online", "网上买"},
    {"offline", "到保险公司网点买"},
    {"assisted", "到邮局等代办柜台买"},
};
ENUM(ph_enum_channel, "channels", channel_values);

static const struct ph_enum_value insurer_type_values[] = {
    {"property", "财产保险公司"}, {"life", "人寿保险公司"},         {"health", "健康保险公司"},
    {"pension", "养老保险公司"},  {"agricultural", "农业保险公司"},
};
ENUM(ph_enum_insurer_type, "type", insurer_type_values);

static const struct ph_enum_value status_values[] = {
    {"published", "在售"},
    {"suspended", "暂停销售"},
    {"withdrawn", "停售"},
};
ENUM(ph_enum_product_status, "status", status_values);

static const struct ph_enum_value document_type_values[] = {
    {"terms", "保险条款"},
    {"rate_table", "费率表"},
    {"prospectus", "产品说明书"},
    {"notice", "公告"},
    {"operating_report", "经营情况报告"},
};
ENUM(ph_enum_document_type, "type", document_type_values);

const char *ph_enum_label(const struct ph_enum *e, const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < e->count; i++) {
        if (strcmp(e->values[i].code, code) == 0)
            return e->values[i].label_zh;
    }
    return NULL;
}

bool ph_enum_has(const struct ph_enum *e, const char *code)
{
    return ph_enum_label(e, code) != NULL;
}

void ph_enum_list_text(const struct ph_enum *e, char *buf, size_t size)
{
    size_t used = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < e->count && used < size; i++) {
        int n = snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "", e->values[i].code);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Places people write, with the code they mean. Province-level units by
 * their usual short names, and the capitals and large cities. */
static const struct ph_region_place places[] = {
    {"北京", "110000"},     {"天津", "120000"}, {"河北", "130000"},   {"山西", "140000"},
    {"内蒙古", "150000"},   {"辽宁", "210000"}, {"吉林", "220000"},   {"黑龙江", "230000"},
    {"上海", "310000"},     {"江苏", "320000"}, {"浙江", "330000"},   {"安徽", "340000"},
    {"福建", "350000"},     {"江西", "360000"}, {"山东", "370000"},   {"河南", "410000"},
    {"湖北", "420000"},     {"湖南", "430000"}, {"广东", "440000"},   {"广西", "450000"},
    {"海南", "460000"},     {"重庆", "500000"}, {"四川", "510000"},   {"贵州", "520000"},
    {"云南", "530000"},     {"西藏", "540000"}, {"陕西", "610000"},   {"甘肃", "620000"},
    {"青海", "630000"},     {"宁夏", "640000"}, {"新疆", "650000"},   {"台湾", "710000"},
    {"香港", "810000"},     {"澳门", "820000"}, {"石家庄", "130100"}, {"太原", "140100"},
    {"呼和浩特", "150100"}, {"沈阳", "210100"}, {"大连", "210200"},   {"长春", "220100"},
    {"哈尔滨", "230100"},   {"南京", "320100"}, {"无锡", "320200"},   {"苏州", "320500"},
    {"杭州", "330100"},     {"宁波", "330200"}, {"温州", "330300"},   {"嘉兴", "330400"},
    {"湖州", "330500"},     {"绍兴", "330600"}, {"金华", "330700"},   {"衢州", "330800"},
    {"舟山", "330900"},     {"台州", "331000"}, {"丽水", "331100"},   {"合肥", "340100"},
    {"福州", "350100"},     {"厦门", "350200"}, {"南昌", "360100"},   {"济南", "370100"},
    {"青岛", "370200"},     {"郑州", "410100"}, {"武汉", "420100"},   {"长沙", "430100"},
    {"广州", "440100"},     {"深圳", "440300"}, {"珠海", "440400"},   {"佛山", "440600"},
    {"东莞", "441900"},     {"南宁", "450100"}, {"海口", "460100"},   {"成都", "510100"},
    {"贵阳", "520100"},     {"昆明", "530100"}, {"拉萨", "540100"},   {"西安", "610100"},
    {"兰州", "620100"},     {"西宁", "630100"}, {"银川", "640100"},   {"乌鲁木齐", "650100"},
};

size_t ph_region_place_count(void)
{
    return sizeof places / sizeof places[0];
}

const struct ph_region_place *ph_region_place_at(size_t index)
{
    return index < ph_region_place_count() ? &places[index] : NULL;
}

const char *ph_region_short_name(const char *code)
{
    if (code != NULL && strcmp(code, "000000") == 0)
        return "全国";
    for (size_t i = 0; code != NULL && i < ph_region_place_count(); i++) {
        if (strcmp(places[i].code, code) == 0)
            return places[i].name;
    }
    return NULL;
}
