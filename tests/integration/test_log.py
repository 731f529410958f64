#!/usr/bin/env python3
"""The transparency log's public endpoints (issue 5): /log/key, /log/checkpoint,
/log/leaves/{i}, /log/proof/inclusion and /log/proof/consistency, checked from
outside with an independent RFC 9162 verifier written here (hashlib only):
every leaf's inclusion proof at several tree sizes and consistency proofs
between sizes verify against the signed checkpoint's root, altered proofs
do not, the signing key is created once with mode 0600 and survives a
restart, and bad parameters get clear 400s.
"""
import base64
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H  # noqa: E402


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, root_m, root_n, proof):
    """RFC 9162 section 2.1.4.2."""
    if m == n:
        return not proof and root_m == root_n
    if m == 0 or m > n or not proof:
        return False
    if m & (m - 1) == 0:  # a power of two: the old root starts the path
        proof = [root_m] + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n


def b64(s):
    return base64.b64decode(s)


class LogBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = H.Env()
        cls.addClassCleanup(cls.env.cleanup)
        cls.srv = cls.env.start_server(extra=["--demo"])

    def get(self, path):
        return H.http_request(self.srv.port, "GET", path)

    def checkpoint(self):
        r = self.get("/log/checkpoint")
        self.assertEqual(r.status, 200, r)
        lines = r.raw.decode("utf-8").split("\n")
        origin, size, root = lines[0], int(lines[1]), b64(lines[2])
        self.assertEqual(lines[3], "")
        self.assertTrue(lines[4].startswith("— " + origin + " "), lines)
        return origin, size, root

    def verify(self, *args):
        vkey = self.get("/log/key").raw.decode().strip()
        p = subprocess.run([H.BIN, "verify", "--server", "http://127.0.0.1:%d" % self.srv.port, "--vkey", vkey]
                           + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return p.returncode, p.stdout.decode("utf-8")


class TestLog(LogBase):
    def test_verifier_verifies_and_rejects(self):
        # Our own verifier must be able to fail, or nothing below means anything.
        leaves = [leaf_hash(bytes([i])) for i in range(5)]
        root = node_hash(node_hash(node_hash(leaves[0], leaves[1]), node_hash(leaves[2], leaves[3])), leaves[4])
        proof = [leaves[3], node_hash(leaves[0], leaves[1]), leaves[4]]
        self.assertTrue(verify_inclusion(leaves[2], 2, 5, proof, root))
        self.assertFalse(verify_inclusion(leaves[2], 3, 5, proof, root))
        self.assertFalse(verify_inclusion(leaves[1], 2, 5, proof, root))

    def test_every_leaf_is_included_under_the_signed_root(self):
        origin, size, root = self.checkpoint()
        self.assertEqual(origin, "localhost/puhui-registry")
        self.assertGreater(size, 100)
        for index in range(size):
            leaf = self.get("/log/leaves/%d" % index)
            self.assertEqual(leaf.status, 200, leaf)
            data = b64(leaf.json["data_base64"])
            self.assertEqual(b64(leaf.json["leaf_hash"]), leaf_hash(data))
            r = self.get("/log/proof/inclusion?index=%d&size=%d" % (index, size))
            self.assertEqual(r.status, 200, r)
            proof = [b64(p) for p in r.json["proof"]]
            self.assertEqual(b64(r.json["root"]), root)
            self.assertTrue(verify_inclusion(leaf_hash(data), index, size, proof, root), index)
            if proof:  # a changed hash or a changed leaf never verifies
                bad = list(proof)
                bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
                self.assertFalse(verify_inclusion(leaf_hash(data), index, size, bad, root))
            self.assertFalse(verify_inclusion(leaf_hash(data + b" "), index, size, proof, root))

    def test_older_sizes_are_consistent_with_the_signed_root(self):
        _, size, root = self.checkpoint()
        roots = {}
        for m in (1, 2, 3, 7, 8, 64, 100, size - 1, size):
            r = self.get("/log/proof/consistency?from=%d&to=%d" % (m, size))
            self.assertEqual(r.status, 200, r)
            proof = [b64(p) for p in r.json["proof"]]
            root_m = b64(r.json["root_from"])
            self.assertEqual(b64(r.json["root_to"]), root)
            self.assertTrue(verify_consistency(m, size, root_m, root, proof), m)
            if proof:
                self.assertFalse(verify_consistency(m, size, root_m, root, proof[:-1]), m)
            roots[m] = root_m
            # The old root is the root an inclusion proof at that size gives.
            inc = self.get("/log/proof/inclusion?index=0&size=%d" % m)
            self.assertEqual(b64(inc.json["root"]), root_m)

    def test_a_new_registration_grows_the_log_consistently(self):
        _, size, root = self.checkpoint()
        H.admin_ok(self.srv.db, "insurer", "add", "--name", "测试增长保险股份有限公司", "--short-name", "测试增长",
                   "--uscc", H.make_uscc(), "--type", "health", "--region", "330000")
        _, size2, root2 = self.checkpoint()
        self.assertEqual(size2, size + 1)
        r = self.get("/log/proof/consistency?from=%d&to=%d" % (size, size2))
        self.assertTrue(verify_consistency(size, size2, root, root2, [b64(p) for p in r.json["proof"]]))

    def test_key_file_and_restart(self):
        key_path = self.srv.db + ".log-key"
        mode = stat.S_IMODE(os.stat(key_path).st_mode)
        self.assertEqual(mode, 0o600)
        vkey = self.get("/log/key").raw.decode()
        self.assertTrue(vkey.startswith("localhost/puhui-registry+"), vkey)
        self.srv.stop()
        self.srv.start()
        self.assertEqual(self.get("/log/key").raw.decode(), vkey)

class TestVerifyFromOutside(LogBase):
    """puhui verify, and rewriting the database behind the server's back."""

    def test_verify_a_document(self):
        # A document version is checked against its bytes as served: their
        # SHA-256, computed by verify, must be what the version's leaf records.
        no = self.get("/api/v1/documents?sort=newest&per_page=1").json["items"][0]["document_no"]
        rc, out = self.verify("--document", no, "--version", "1")
        self.assertEqual(rc, 0, out)
        self.assertIn("ok   the document version's log leaf records its content fingerprint", out)
        self.assertIn("ok   the document version's leaf is in the signed log", out)
        # The text is rewritten in the database (the guarding triggers dropped
        # first): the registry now serves other bytes than it logged.
        db = sqlite3.connect(self.srv.db)
        db.execute("DROP TRIGGER document_versions_no_update")
        db.execute("UPDATE document_versions SET content = CAST(CAST(content AS TEXT) || '（已删改）' AS BLOB)"
                   " WHERE version = 1 AND document_id = (SELECT id FROM documents WHERE document_no = ?)", (no,))
        db.commit()
        db.close()
        rc, out = self.verify("--document", no, "--version", "1")
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL the document version's log leaf records its content fingerprint", out)

    def test_verify_detects_rewritten_rows(self):
        saved = os.path.join(self.env.dir, "saved.checkpoint")
        rc, out = self.verify("--save", saved, "--product", "PH-2026-000001")
        self.assertEqual(rc, 0, out)
        self.assertEqual(out.count("ok  "), 4, out)
        H.admin_ok(self.srv.db, "insurer", "add", "--name", "验证增长保险股份有限公司", "--short-name", "验证增长",
                   "--uscc", H.make_uscc(), "--type", "health", "--region", "330000")
        rc, out = self.verify("--checkpoint", saved, "--product", "PH-2026-000001", "--version", "1")
        self.assertEqual(rc, 0, out)
        # A wrong key is not trusted.
        other = "localhost/puhui-registry+00000000+AeN8VbyY0ZDTzc0mhyiY8x7UTvNigRb6YpJxFEoVxomI"
        p = subprocess.run([H.BIN, "verify", "--server", "http://127.0.0.1:%d" % self.srv.port, "--vkey", other],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertNotEqual(p.returncode, 0, p.stdout)

        # Someone with the database file rewrites a leaf's bytes (the triggers
        # that refuse it are dropped first): the leaf no longer hashes to what
        # the tree holds, so its inclusion fails.
        leaf_index = self.get("/api/v1/products/PH-2026-000001").json["log_index"]
        db = sqlite3.connect(self.srv.db)
        db.execute("DROP TRIGGER log_leaves_no_update")
        db.execute("UPDATE log_leaves SET data = CAST(replace(CAST(data AS TEXT), 'published', 'PUBLISHED') AS BLOB)"
                   " WHERE idx = ?", (leaf_index,))
        db.commit()
        rc, out = self.verify("--product", "PH-2026-000001")
        self.assertEqual(rc, 1, out)
        self.assertIn("FAIL the product version's leaf is in the signed log", out)

        # Rewriting the leaf hash as well, and throwing away the stored
        # subtrees so that the tree is rebuilt from the rewritten leaves, makes
        # a consistent-looking new tree: the earlier signed checkpoint exposes it.
        import hashlib
        db.execute("DROP TRIGGER log_nodes_no_delete")
        data = db.execute("SELECT data FROM log_leaves WHERE idx = ?", (leaf_index,)).fetchone()[0]
        db.execute("UPDATE log_leaves SET leaf_hash = ? WHERE idx = ?",
                   (hashlib.sha256(b"\x00" + bytes(data)).digest(), leaf_index))
        db.execute("DELETE FROM log_nodes")
        db.commit()
        db.close()
        rc, out = self.verify("--product", "PH-2026-000001")
        self.assertEqual(rc, 0, out)  # on its own the rewritten log looks whole...
        rc, out = self.verify("--checkpoint", saved)
        self.assertEqual(rc, 1, out)  # ...but not as a continuation of what was signed before
        self.assertIn("FAIL the log grew from the saved checkpoint without rewriting anything", out)

    def test_bad_parameters(self):
        _, size, _ = self.checkpoint()
        cases = [
            ("/log/proof/inclusion?index=0", 400, "size"),
            ("/log/proof/inclusion?index=x&size=3", 400, "index"),
            ("/log/proof/inclusion?index=5&size=3", 400, "index"),
            ("/log/proof/inclusion?index=0&size=%d" % (size + 1), 400, "size"),
            ("/log/proof/inclusion?index=-1&size=3", 400, "index"),
            ("/log/proof/consistency?from=0&to=3", 400, "from"),
            ("/log/proof/consistency?from=4&to=3", 400, "from"),
            ("/log/proof/consistency?from=1&to=99999999999999999999", 400, "to"),
            ("/log/leaves/%d" % (size + 5), 404, "index"),
            ("/log/leaves/abc", 404, "index"),
        ]
        for path, status, field in cases:
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.error["field"], field, r)
                self.assertTrue(H.has_cjk(r.error["message"]))
        r = H.http_request(self.srv.port, "POST", "/log/checkpoint", {})
        self.assertEqual(r.status, 405)


if __name__ == "__main__":
    unittest.main(verbosity=2)
