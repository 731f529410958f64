/* a11y/qr.c - see qr.h. */
#include "a11y/qr.h"

#include <string.h>

#include <qrencode.h>

#define QUIET_ZONE_MODULES 4

bool ph_qr_svg(const char *text, const char *label, struct ph_buf *out)
{
    size_t len = strlen(text);
    if (len == 0 || len > PH_QR_TEXT_MAX_BYTES)
        return false;
    QRcode *code = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_M);
    if (code == NULL)
        return false;
    int width = code->width;
    int side = width + 2 * QUIET_ZONE_MODULES;
    ph_buf_append_str(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" aria-label=\"");
    ph_buf_append_html(out, label, strlen(label));
    ph_buf_printf(out, "\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">", side, side);
    ph_buf_printf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", side, side);
    /* One horizontal run of dark modules per "M x y h n v1 h-n z". */
    for (int y = 0; y < width; y++) {
        const unsigned char *row = code->data + (size_t)y * (size_t)width;
        int x = 0;
        while (x < width) {
            if ((row[x] & 1) == 0) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < width && (row[x + run] & 1))
                run++;
            ph_buf_printf(out, "M%d %dh%dv1h-%dz", x + QUIET_ZONE_MODULES, y + QUIET_ZONE_MODULES, run, run);
            x += run;
        }
    }
    ph_buf_append_str(out, "\"/></svg>");
    QRcode_free(code);
    return true;
}
