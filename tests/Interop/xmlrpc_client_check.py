#!/usr/bin/env python3
"""Independent client check of xensim, using only the Python standard library the way XenAPI.py does.

Usage:
    python3 xmlrpc_client_check.py COORDINATOR_URL USER PASSWORD [SUPPORTER_URL ...]

Arguments:
    COORDINATOR_URL  the `url=` of the XENHA_SIM_READY line, e.g. http://127.0.0.1:41234/
    USER PASSWORD    the simulator's credentials (xensim defaults: root xenroot)
    SUPPORTER_URL    optional: other host URLs from `hosts=`; with a pooled preset each must answer
                     HOST_IS_SLAVE [coordinator ip]. With standalone hosts pass none.

Checks (xmlrpc.client.ServerProxy(url, allow_none=True), requiring a `Status` member like XenAPI.py):
    login (2 and 4 params), VM.get_all_records (prints the non-template, non-control-domain count),
    HOST_IS_SLAVE from supporters, SESSION_AUTHENTICATION_FAILED for a bad password,
    system.listMethods (bare array containing every <Class>.get_all_records), a JSON-RPC v2 call
    over urllib (exact envelope keys, Content-Type application/json), logout.
Exits 0 when everything matches; otherwise prints "FAIL: ..." to stderr and exits 1.
"""
import json
import sys
import urllib.parse
import urllib.request
import xmlrpc.client


def fail(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def envelope(result, what):
    check(isinstance(result, dict) and "Status" in result, "%s: no Status member in %r" % (what, result))
    return result


def success(result, what):
    envelope(result, what)
    check(result["Status"] == "Success", "%s failed: %r" % (what, result.get("ErrorDescription")))
    return result["Value"]


def failure(result, what):
    envelope(result, what)
    check(result["Status"] == "Failure", "%s should have failed, got %r" % (what, result))
    desc = result["ErrorDescription"]
    check(isinstance(desc, list) and all(isinstance(x, str) for x in desc), "%s: bad ErrorDescription %r" % (what, desc))
    return desc


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    url, user, password = argv[1], argv[2], argv[3]
    supporters = argv[4:]
    proxy = xmlrpc.client.ServerProxy(url, allow_none=True)

    session = success(proxy.session.login_with_password(user, password, "2.21", "xmlrpc_client_check"), "login")
    check(session.startswith("OpaqueRef:"), "login returned %r" % session)
    session2 = success(proxy.session.login_with_password(user, password), "login with 2 params")

    records = success(proxy.VM.get_all_records(session), "VM.get_all_records")
    check(isinstance(records, dict) and records, "VM.get_all_records returned %r" % type(records))
    guests = 0
    for ref, rec in records.items():
        check(ref.startswith("OpaqueRef:"), "bad VM ref %r" % ref)
        for field in ("uuid", "name_label", "power_state", "is_a_template", "is_control_domain", "resident_on", "memory_static_max", "allowed_operations"):
            check(field in rec, "VM record %s lacks %s" % (ref, field))
        check(isinstance(rec["is_a_template"], bool), "is_a_template is not a boolean")
        check(isinstance(rec["memory_static_max"], str) and rec["memory_static_max"].isdigit(), "memory_static_max is not an untyped digit string")
        if not rec["is_a_template"] and not rec["is_control_domain"]:
            guests += 1
    print("VMs (non-template, non-control-domain): %d" % guests)

    hosts = success(proxy.host.get_all_records(session), "host.get_all_records")
    pool = list(success(proxy.pool.get_all_records(session), "pool.get_all_records").values())
    check(len(pool) == 1, "expected exactly one pool, got %d" % len(pool))
    master = hosts.get(pool[0]["master"])
    check(master is not None, "pool.master is not a known host")
    coordinator_ip = master["address"]
    check(coordinator_ip == urllib.parse.urlparse(url).hostname, "coordinator address %s differs from the URL" % coordinator_ip)

    for sup in supporters:
        sp = xmlrpc.client.ServerProxy(sup, allow_none=True)
        desc = failure(sp.session.login_with_password(user, password), "login on supporter %s" % sup)
        check(desc == ["HOST_IS_SLAVE", coordinator_ip], "supporter %s answered %r" % (sup, desc))
        desc = failure(sp.VM.get_all(session), "VM.get_all on supporter %s" % sup)
        check(desc == ["HOST_IS_SLAVE", coordinator_ip], "supporter %s answered %r" % (sup, desc))

    desc = failure(proxy.session.login_with_password(user, password + "-wrong"), "login with a bad password")
    check(desc == ["SESSION_AUTHENTICATION_FAILED", user, "Authentication failure"], "bad password answered %r" % desc)

    methods = proxy.system.listMethods()
    check(isinstance(methods, list), "system.listMethods is not a bare array: %r" % type(methods))
    for cls in ("pool", "host", "host_metrics", "VM", "VM_metrics", "VM_guest_metrics", "SR", "PBD", "VDI", "VBD", "VIF", "network", "PIF", "task"):
        check(cls + ".get_all_records" in methods, "listMethods lacks %s.get_all_records" % cls)

    body = json.dumps({"jsonrpc": "2.0", "method": "VM.get_all", "params": [session], "id": "check-1"}).encode()
    req = urllib.request.Request(urllib.parse.urljoin(url, "/jsonrpc"), data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        ctype = resp.headers.get("Content-Type")
        reply = json.loads(resp.read().decode("utf-8"))
    check(ctype == "application/json", "JSON-RPC Content-Type is %r" % ctype)
    check(set(reply.keys()) == {"jsonrpc", "result", "id"}, "JSON-RPC v2 success keys %r" % sorted(reply.keys()))
    check(reply["id"] == "check-1", "JSON-RPC id not echoed: %r" % reply["id"])
    check(sorted(reply["result"]) == sorted(records.keys()), "JSON-RPC VM.get_all differs from XML-RPC VM.get_all_records")

    body = json.dumps({"jsonrpc": "2.0", "method": "session.login_with_password", "params": [user, "x" + password], "id": 5}).encode()
    req = urllib.request.Request(urllib.parse.urljoin(url, "/jsonrpc"), data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        reply = json.loads(resp.read().decode("utf-8"))
    expected = {"jsonrpc": "2.0", "error": {"code": 1, "message": "SESSION_AUTHENTICATION_FAILED", "data": [user, "Authentication failure"]}, "id": 5}
    check(reply == expected, "JSON-RPC v2 failure was %r" % reply)

    success(proxy.session.logout(session2), "logout")
    desc = failure(proxy.VM.get_all(session2), "call after logout")
    check(desc == ["SESSION_INVALID", session2], "after logout: %r" % desc)
    success(proxy.session.logout(session), "logout")
    print("OK: xensim at %s passed the XML-RPC client check" % url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
