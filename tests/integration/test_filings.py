#!/usr/bin/env python3
"""XML filings (issue 5): POST /api/v1/filings against a real server.

- the published XSD validates the example filings with xmllint as well;
- a valid filing is registered exactly as the JSON API would (201, the product
  and its documents readable afterwards);
- every XSD error comes back at once, each with its line;
- a registry rule error has the same code as the JSON API, plus the line;
- hostile XML (XXE, external DTDs, billion laughs, quadratic blowup, deep
  nesting, 50 MB, invalid UTF-8, DOCTYPE, XInclude, a lying encoding) is
  refused with its own code, nothing is stored (the log size and every row
  are unchanged), the server still answers, and /etc/passwd never leaks.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402

SCHEMA_DIR = os.path.join(H.PUBLIC, "schema")
XSD = os.path.join(SCHEMA_DIR, "filing.xsd")
EXAMPLES_DIR = os.path.join(SCHEMA_DIR, "examples")
NS = "urn:puhui:filing:1"
PASSWD_MARKERS = [b"root:x:0:0", b"/bin/bash", b"/usr/sbin/nologin", b"daemon:"]


def examples():
    return sorted(os.path.join(EXAMPLES_DIR, f) for f in os.listdir(EXAMPLES_DIR) if f.endswith(".xml"))


def read(path):
    with open(path, "rb") as f:
        return f.read()


LIST_ITEMS = {"target_groups": "group", "regions": "region", "covered": "item", "not_covered": "item",
              "service_commitments": "item", "channels": "channel", "documents": "item"}


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _emit(key, v, ind, out):
    from xml.sax.saxutils import escape
    sp = "  " * ind
    if isinstance(v, dict):
        out.append("%s<%s>" % (sp, key))
        for k2, v2 in v.items():
            _emit(k2, v2, ind + 1, out)
        out.append("%s</%s>" % (sp, key))
    elif isinstance(v, list):
        out.append("%s<%s>" % (sp, key))
        for x in v:
            out.append("%s  <%s>%s</%s>" % (sp, LIST_ITEMS[key], escape(_value(x)), LIST_ITEMS[key]))
        out.append("%s</%s>" % (sp, key))
    elif v is not None:
        out.append("%s<%s>%s</%s>" % (sp, key, escape(_value(v)), key))


def filing_xml(product, documents=()):
    """A filing as the XSD describes it, one element per line."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<filing xmlns="%s">' % NS]
    _emit("product", product, 1, out)
    for d in documents:
        _emit("document", d, 1, out)
    out.append("</filing>")
    return "\n".join(out) + "\n"


def line_of(xml, needle):
    """1-based line of the first line containing needle."""
    for i, line in enumerate(xml.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in the XML" % needle)


class FilingBase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.env = H.Env()
        cls.addClassCleanup(cls.env.cleanup)
        cls.A = cls.env.add_insurer("浙江惠民健康保险股份有限公司", "惠民健康")
        cls.srv = cls.env.start_server()

    def setUp(self):
        if not self.srv.running():
            H.log("server had died before %s: %s; restarting" % (self.id(), self.srv.death_note()))
            self.srv.start()

    def post(self, body, content_type="application/xml", key=None, **kw):
        return self.srv.request("POST", "/api/v1/filings", body, content_type=content_type,
                                key=key if key is not None else self.A["key"], **kw)

    def state(self):
        r = self.srv.get("/healthz")
        self.assertEqual(r.status, 200, r)
        return r.json["log_size"], H.db_digest(self.env.db)

    def assertNoPasswd(self, r):
        for marker in PASSWD_MARKERS:
            self.assertNotIn(marker, r.raw, "answer leaks /etc/passwd: %r" % r)

    def assertRefused(self, r, status, code):
        self.assertEqual(r.status, status, r)
        err = r.error
        self.assertIsNotNone(err, r)
        self.assertEqual(err["code"], code, r)
        self.assertTrue(H.has_cjk(err["message"]), r)
        for e in err["errors"]:
            self.assertIn("code", e)
            self.assertIn("field", e)
            self.assertTrue(H.has_cjk(e["message"]), e)
        self.assertNoPasswd(r)


class TestSchema(unittest.TestCase):

    def test_examples_validate_with_xmllint(self):
        xmllint = shutil.which("xmllint")
        self.assertIsNotNone(xmllint, "xmllint not installed (Debian libxml2-utils)")
        files = examples()
        self.assertGreaterEqual(len(files), 3)
        for f in files:
            p = subprocess.run([xmllint, "--noout", "--nonet", "--schema", XSD, f],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(p.returncode, 0, "%s: %s" % (f, p.stderr.decode("utf-8", "replace")))

    def test_examples_have_several_document_types(self):
        types = set()
        for f in examples():
            root = ET.parse(f).getroot()
            self.assertEqual(root.tag, "{%s}filing" % NS)
            for t in root.iter("{%s}type" % NS):
                types.add(t.text)
        self.assertGreaterEqual(len(types), 4, types)

    def test_xsd_is_documented_in_both_languages(self):
        root = ET.parse(XSD).getroot()
        langs = {d.get("{http://www.w3.org/XML/1998/namespace}lang")
                 for d in root.iter("{http://www.w3.org/2001/XMLSchema}documentation")}
        self.assertIn("en", langs)
        self.assertIn("zh", langs)


class TestFilings(FilingBase):

    def test_schema_served(self):
        r = self.srv.get("/schema/filing.xsd")
        self.assertEqual(r.status, 200, r)
        self.assertIn("application/xml", r.header("Content-Type"))
        self.assertEqual(r.raw, read(XSD))
        self.assertIsNotNone(r.header("ETag"))
        r = self.srv.request("POST", "/schema/filing.xsd", b"x", content_type="text/plain")
        self.assertEqual(r.status, 405, r)

    def test_examples_register(self):
        for f in examples():
            body = read(f)
            r = self.post(body)
            self.assertEqual(r.status, 201, "%s: %r" % (f, r))
            regno = r.json["registration_no"]
            self.assertRegex(regno, H.REG_NO_RE)
            self.assertEqual(r.header("Location"), "/api/v1/products/%s" % regno)
            root = ET.fromstring(body)
            docs = root.findall("{%s}document" % NS)
            self.assertEqual(len(r.json["documents"]), len(docs), r)
            for d in r.json["documents"]:
                self.assertRegex(d["document_no"], r"^PD-\d{4}-\d{6}$")
                self.assertRegex(d["content_sha256"], r"^[0-9a-f]{64}$")

    def test_registered_exactly_as_json(self):
        product = H.valid_product()
        documents = [
            {"type": "terms", "title": "惠民保条款", "content": "第一条 保险责任\n  住院费用按约定报销。\n"},
            {"type": "operating_report", "title": "2026年第二季度经营情况", "period": "2026Q2",
             "published_on": "2026-07-10", "content": "承保人数：12,480人\n赔款支出：3,271,450元"},
        ]
        xml = filing_xml(product, documents)
        before = self.state()[0]
        r = self.post(xml)
        self.assertEqual(r.status, 201, r)
        regno = r.json["registration_no"]
        self.assertEqual(self.state()[0], before + 3, "one log leaf per product and document")
        got = self.srv.get("/api/v1/products/%s" % regno)
        self.assertEqual(got.status, 200, got)
        self.assertEqual(H.diff_sent(product, got.json), [])
        docs = self.srv.get("/api/v1/products/%s/documents" % regno)
        if docs.status == 404 and (docs.error or {}).get("code") == "route_not_found":
            self.skipTest("GET /api/v1/products/{no}/documents not there yet")
        self.assertEqual(docs.status, 200, docs)
        self.assertEqual(docs.json["total"], 2)
        import hashlib
        by_type = {d["type"]: d for d in docs.json["items"]}
        for d in documents:
            item = by_type[d["type"]]
            self.assertEqual(item["title"], d["title"])
            self.assertEqual(item["content_sha256"], hashlib.sha256(d["content"].encode("utf-8")).hexdigest(),
                             "content kept exactly")

    def test_warnings_named_like_problems(self):
        product = H.valid_product()
        del product["purchase_url"]
        product["summary"] = product["summary"] + "本产品的免赔额和既往症的定义以保险合同条款的约定为准，具体以保险公司的核保结论为准，请投保人仔细阅读条款。"
        xml = filing_xml(product)
        r = self.post(xml)
        self.assertEqual(r.status, 201, r)
        fields = {w["field"]: w for w in r.json["warnings"]}
        self.assertIn("product.purchase_url", fields, r.json["warnings"])
        self.assertEqual(fields["product.purchase_url"]["line"], line_of(xml, "<product>"))
        for w in r.json["warnings"]:
            self.assertTrue(w["field"].startswith("product."), w)
            self.assertIsInstance(w.get("line"), int, w)
        summary = [w for w in r.json["warnings"] if w["field"] == "product.summary"]
        for w in summary:
            self.assertEqual(w["line"], line_of(xml, "<summary>"))

    def test_schema_errors_all_at_once_with_lines(self):
        xml = filing_xml(H.valid_product(), [{"type": "terms", "title": "条款", "content": "第一条"}])
        xml = xml.replace("<category>medical</category>", "<category>medicel</category>")
        xml = xml.replace("<age_max>100</age_max>", "<age_max>一百</age_max>")
        # libxml2 reports a missing element only when its parent has no
        # unexpected one, so the stray element goes into another parent.
        xml = xml.replace("<hotline>400-800-1234</hotline>", "")
        xml = xml.replace("<claim>", "<claim>\n      <telephone>400-800-1234</telephone>")
        xml = xml.replace("<type>terms</type>", "<type>manual</type>")
        before = self.state()
        r = self.post(xml)
        self.assertRefused(r, 400, "xml_schema_invalid")
        errors = r.json["error"]["errors"]
        want = {
            ("/filing/product/category", line_of(xml, "<category>")),
            ("/filing/product/age_max", line_of(xml, "<age_max>")),
            ("/filing/product/claim/telephone", line_of(xml, "<telephone>")),
            ("/filing/product", line_of(xml, "<product>")),
            ("/filing/document/type", line_of(xml, "<type>manual")),
        }
        got = {(e["field"], e.get("line")) for e in errors}
        self.assertEqual(got, want, errors)
        for e in errors:
            self.assertEqual(e["code"], "xml_schema_invalid")
            self.assertTrue(e.get("detail"), e)
        self.assertEqual(r.json["error"]["line"], errors[0]["line"])
        self.assertEqual(self.state(), before)

    def test_rule_error_same_code_as_json_api(self):
        product = H.valid_product(age_min=90, age_max=80)
        json_answer = self.srv.request("POST", "/api/v1/products", product, key=self.A["key"])
        self.assertEqual(json_answer.status, 422, json_answer)
        self.assertEqual(json_answer.error["code"], "age_range")
        xml = filing_xml(product, [{"type": "notice", "title": "公告", "content": "停售公告",
                                    "period": "2026Q1"}])
        before = self.state()
        r = self.post(xml)
        self.assertEqual(r.status, 422, r)
        err = r.json["error"]
        self.assertEqual(err["code"], "age_range")
        self.assertEqual(err["field"], "product." + json_answer.error["field"])
        self.assertEqual(err["line"], line_of(xml, "<age_min>"))
        by_field = {e["field"]: e for e in err["errors"]}
        self.assertIn("documents[0].period", by_field, err)
        self.assertEqual(by_field["documents[0].period"]["line"], line_of(xml, "<period>"))
        self.assertEqual(self.state(), before)

    def test_rule_error_in_list_item_has_its_line(self):
        product = H.valid_product()
        product["covered"] = ["医保目录内住院自付费用按比例报销。", "二"]
        xml = filing_xml(product)
        r = self.post(xml)
        self.assertEqual(r.status, 422, r)
        e = r.json["error"]
        self.assertEqual(e["code"], "string_length")
        self.assertEqual(e["field"], "product.covered[1]")
        self.assertEqual(e["line"], line_of(xml, "<item>二</item>"))

    def test_concurrent_filings(self):
        """Valid, invalid and hostile filings at once: each gets its own answer
        (one validation context per request, the schema shared read-only)."""
        import threading
        good = read(examples()[1])
        bad = good.replace(b"<age_max>80</age_max>", b"<age_max>800</age_max>")
        cases = [(good, 201, None), (bad, 400, "xml_schema_invalid"),
                 (billion_laughs().encode("utf-8"), 400, "xml_doctype_refused"),
                 (deep(200).encode("utf-8"), 400, "xml_too_deep")]
        failures = []

        def worker(n):
            for i in range(6):
                body, status, code = cases[(n + i) % len(cases)]
                try:
                    r = self.post(body, timeout=60)
                except Exception as e:  # noqa: BLE001 - reported below
                    failures.append(repr(e))
                    continue
                if r.status != status or (code and (r.error or {}).get("code") != code):
                    failures.append("%s %s: %r" % (status, code, r))

        before = self.state()[0]
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        # 12 good filings, each a product and 3 documents.
        self.assertEqual(self.state()[0], before + 12 * 4)

    def test_auth_and_content_type(self):
        xml = read(examples()[0])
        r = self.post(xml, key="")
        self.assertEqual(r.status, 401, r)
        r = self.srv.request("POST", "/api/v1/filings", xml, content_type="application/xml")
        self.assertRefused(r, 401, "auth_missing")
        r = self.post(xml, content_type="application/json")
        self.assertRefused(r, 415, "content_type_unsupported")
        r = self.post(xml, content_type="text/xml; charset=utf-8")
        self.assertEqual(r.status, 201, r)
        r = self.srv.get("/api/v1/filings")
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.header("Allow"), "POST")


# --- hostile XML ------------------------------------------------------------

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
OPEN = '<filing xmlns="%s">' % NS


def billion_laughs():
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
    return (HEAD + "<!DOCTYPE filing [\n" + "\n".join(ents) + "\n]>\n" + OPEN +
            "<product><name>&lol9;</name></product></filing>\n")


def quadratic_blowup():
    big = "A" * 100000
    return (HEAD + '<!DOCTYPE filing [<!ENTITY a "%s">]>\n' % big + OPEN + "<product><summary>" +
            "&a;" * 20000 + "</summary></product></filing>\n")


def deep(n):
    return HEAD + OPEN + "\n" + "<product>" * n + "</product>" * n + "</filing>\n"


class TestHostile(FilingBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A listener that must never be contacted: the external DTD's host.
        cls.trap = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cls.trap.bind(("127.0.0.1", 0))
        cls.trap.listen(5)
        cls.trap.setblocking(False)
        cls.addClassCleanup(cls.trap.close)
        cls.trap_port = cls.trap.getsockname()[1]

    def assertNobodyCalled(self):
        try:
            conn, _ = self.trap.accept()
            conn.close()
            self.fail("the server fetched an external resource")
        except BlockingIOError:
            pass

    def refused(self, body, status, code, content_type="application/xml"):
        before = self.state()
        products_before = H.db_query(self.env.db, "SELECT count(*) FROM products")[0][0]
        r = self.post(body, content_type=content_type, timeout=60)
        self.assertRefused(r, status, code)
        self.assertEqual(self.state(), before, "something was stored")
        self.assertEqual(H.db_query(self.env.db, "SELECT count(*) FROM products")[0][0], products_before)
        h = self.srv.get("/healthz")
        self.assertEqual(h.status, 200, "server not answering after %s: %s" % (code, self.srv.death_note()))
        self.assertNobodyCalled()
        return r

    def test_xxe_file(self):
        body = (HEAD + '<!DOCTYPE filing [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + OPEN +
                "<product><name>&xxe;</name></product></filing>\n")
        r = self.refused(body, 400, "xml_doctype_refused")
        self.assertEqual(r.json["error"]["line"], 2)

    def test_xxe_parameter_entity(self):
        body = (HEAD + '<!DOCTYPE filing [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n' + OPEN +
                "</filing>\n")
        self.refused(body, 400, "xml_doctype_refused")

    def test_external_dtd_http(self):
        body = (HEAD + '<!DOCTYPE filing SYSTEM "http://127.0.0.1:%d/evil.dtd">\n' % self.trap_port + OPEN +
                "</filing>\n")
        self.refused(body, 400, "xml_doctype_refused")

    def test_external_dtd_file(self):
        body = HEAD + '<!DOCTYPE filing SYSTEM "file:///etc/passwd">\n' + OPEN + "</filing>\n"
        self.refused(body, 400, "xml_doctype_refused")

    def test_doctype_after_comments(self):
        body = HEAD + "<!-- 说明 -->\n<?note x?>\n<!DOCTYPE filing>\n" + OPEN + "</filing>\n"
        r = self.refused(body, 400, "xml_doctype_refused")
        self.assertEqual(r.json["error"]["line"], 4)

    def test_plain_doctype(self):
        self.refused('<!DOCTYPE filing>' + OPEN + "</filing>", 400, "xml_doctype_refused")

    def test_billion_laughs(self):
        self.refused(billion_laughs(), 400, "xml_doctype_refused")

    def test_quadratic_blowup(self):
        body = quadratic_blowup()
        self.assertLess(len(body), 8 * 1024 * 1024)
        self.refused(body, 400, "xml_doctype_refused")

    def test_undeclared_entity(self):
        body = HEAD + OPEN + "\n<product><name>&xxe;</name></product></filing>\n"
        r = self.refused(body, 400, "xml_invalid")
        self.assertEqual(r.json["error"]["line"], 3)

    def test_deep_nesting(self):
        r = self.refused(deep(10000), 400, "xml_too_deep")
        self.assertEqual(r.json["error"]["line"], 3)

    def test_50_mb_body(self):
        body = HEAD + OPEN + "<product><summary>" + "保" * (50 * 1024 * 1024 // 3) + "</summary></product></filing>"
        before = self.state()
        r = H.http_request_streaming(self.srv.port, "POST", "/api/v1/filings", body.encode("utf-8"),
                                     headers={"Content-Type": "application/xml",
                                              "Authorization": "Bearer " + self.A["key"]})
        self.assertRefused(r, 413, "body_too_large")
        self.assertEqual(self.state(), before)
        self.assertEqual(self.srv.get("/healthz").status, 200)

    def test_chunked_body_over_the_cap(self):
        before = self.state()
        sock = socket.create_connection(("127.0.0.1", self.srv.port), timeout=30)
        try:
            head = ("POST /api/v1/filings HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\n"
                    "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                    % self.A["key"])
            sock.sendall(head.encode())
            chunk = b"A" * 65536
            sent = 0
            try:
                while sent < 9 * 1024 * 1024:
                    sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    sent += len(chunk)
                sock.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            import http.client
            resp = http.client.HTTPResponse(sock, method="POST")
            resp.begin()
            r = H.Response(resp.status, resp.getheaders(), resp.read())
        finally:
            sock.close()
        self.assertRefused(r, 413, "body_too_large")
        self.assertEqual(self.state(), before)

    def test_attribute_bomb(self):
        # libxml2 2.9 compares a tag's attributes pairwise: this megabyte would
        # take minutes of CPU if it reached the parser.
        body = ('<filing xmlns="%s" ' % NS + " ".join('a%d=""' % i for i in range(100000)) + "/>")
        r = self.refused(body, 400, "xml_too_many_attributes")
        self.assertEqual(r.json["error"]["line"], 1)

    def test_namespace_bomb(self):
        body = HEAD + OPEN + "".join('<a xmlns:p%d="urn:x">' % i for i in range(40)) + "</a>" * 40 + "</filing>"
        self.refused(body, 400, "xml_too_many_attributes")

    def test_element_and_comment_spam(self):
        self.refused(HEAD + OPEN + "<a/>" * 2000000 + "</filing>", 400, "xml_too_many_elements")
        self.refused(HEAD + OPEN + "<![CDATA[x]]>" * 600000 + "</filing>", 400, "xml_too_many_elements")
        # Comments build no nodes: a schema error, quickly.
        self.refused(HEAD + OPEN + "<!---->" * 1100000 + "</filing>", 400, "xml_schema_invalid")

    def test_invalid_utf8(self):
        body = (HEAD + OPEN + "\n<product>\n<name>惠民").encode("utf-8")
        body += b"\xff\xfe\xc3\x28</name></product></filing>"
        r = self.refused(body, 400, "xml_encoding_invalid")
        self.assertEqual(r.json["error"]["line"], 4)

    def test_lying_encoding_declaration(self):
        body = ('<?xml version="1.0" encoding="ISO-8859-1"?>\n' + OPEN +
                "<product><name>惠民保</name></product></filing>\n").encode("utf-8")
        self.refused(body, 400, "xml_encoding_invalid")

    def test_utf16_body(self):
        body = (HEAD.replace("UTF-8", "UTF-16") + OPEN + "</filing>").encode("utf-16")
        self.refused(body, 400, "xml_encoding_invalid")

    def test_xinclude(self):
        body = (HEAD + '<filing xmlns="%s" xmlns:xi="http://www.w3.org/2001/XInclude">\n' % NS +
                '<xi:include href="file:///etc/passwd" parse="text"/>\n</filing>\n')
        r = self.refused(body, 400, "xml_schema_invalid")
        self.assertEqual(r.json["error"]["line"], 3)

    def test_xinclude_inside_content(self):
        xml = filing_xml(H.valid_product(), [{"type": "terms", "title": "条款", "content": "X"}])
        xml = xml.replace("<content>X</content>",
                          '<content><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                          'href="file:///etc/passwd" parse="text"/></content>')
        self.refused(xml, 400, "xml_schema_invalid")

    def test_schema_location_hint_not_fetched(self):
        xml = filing_xml(H.valid_product(age_min=90, age_max=80))
        xml = xml.replace(OPEN, '<filing xmlns="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                          'xsi:schemaLocation="%s http://127.0.0.1:%d/x.xsd">' % (NS, NS, self.trap_port))
        self.refused(xml, 422, "age_range")

    def test_not_well_formed(self):
        r = self.refused(HEAD + OPEN + "\n<product>\n</filing>\n", 400, "xml_invalid")
        self.assertEqual(r.json["error"]["line"], 4)
        self.assertTrue(r.json["error"]["errors"][0].get("detail"))

    def test_empty_and_json_bodies(self):
        self.refused(b"", 400, "body_empty")
        self.refused(b'{"product": {}}', 400, "xml_invalid")


if __name__ == "__main__":
    unittest.main(verbosity=2)
