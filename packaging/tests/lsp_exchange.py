#!/usr/bin/env python3
"""Drives `exportdb lsp` through a real LSP session over stdio and checks each answer.

    lsp_exchange.py EXPORTDB FILE.py

initialize (serverInfo names exportdb and its version), initialized, didOpen of FILE.py,
the publishDiagnostics that must follow (at least one diagnostic for a file with findings),
shutdown (result null), exit (the process ends with status 0). Prints one line per step;
exits 1 on the first wrong answer, 2 on a time-out.
"""

import json
import pathlib
import queue
import subprocess
import sys
import threading

TIMEOUT = 60


def main() -> int:
    exe, path = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
    want_version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    proc = subprocess.Popen([exe, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    inbox: "queue.Queue[dict]" = queue.Queue()

    def read() -> None:
        while True:
            headers = {}
            while True:
                line = proc.stdout.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            inbox.put(json.loads(proc.stdout.read(int(headers["content-length"]))))

    threading.Thread(target=read, daemon=True).start()

    def send(msg: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}).encode()
        proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        proc.stdin.flush()

    def wait(pred, what: str) -> dict:
        while True:
            try:
                msg = inbox.get(timeout=TIMEOUT)
            except queue.Empty:
                print("timed out waiting for %s" % what, file=sys.stderr)
                proc.kill()
                sys.exit(2)
            if pred(msg):
                return msg

    def expect(cond: bool, step: str, detail) -> None:
        if not cond:
            print("FAIL %s: %s" % (step, json.dumps(detail)[:2000]), file=sys.stderr)
            proc.kill()
            sys.exit(1)
        print("ok   %s" % step)

    send({"id": 1, "method": "initialize", "params": {
        "processId": None, "rootUri": path.parent.as_uri(), "capabilities": {},
        "workspaceFolders": [{"uri": path.parent.as_uri(), "name": path.parent.name}]}})
    r = wait(lambda m: m.get("id") == 1, "the initialize result")
    info = r.get("result", {}).get("serverInfo", {})
    caps = r.get("result", {}).get("capabilities", {})
    expect(info.get("name") == "exportdb" and info.get("version") == want_version and "textDocumentSync" in caps,
           "initialize: serverInfo exportdb %s, textDocumentSync" % want_version, r)
    send({"method": "initialized", "params": {}})
    uri = path.as_uri()
    send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}}})
    d = wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri,
             "diagnostics for %s" % path.name)
    diags = d["params"]["diagnostics"]
    expect(len(diags) > 0 and all(x.get("source") == "exportdb" for x in diags),
           "publishDiagnostics: %d diagnostics (%s)" % (len(diags), ", ".join(sorted({str(x.get("code")) for x in diags}))), d)
    send({"id": 2, "method": "shutdown"})
    r = wait(lambda m: m.get("id") == 2, "the shutdown result")
    expect("result" in r and r["result"] is None and "error" not in r, "shutdown: result null", r)
    send({"method": "exit"})
    try:
        code = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        print("the server did not exit after 'exit'", file=sys.stderr)
        return 2
    expect(code == 0, "exit: status 0", {"status": code, "stderr": proc.stderr.read().decode(errors="replace")[-2000:]})
    return 0


if __name__ == "__main__":
    sys.exit(main())
