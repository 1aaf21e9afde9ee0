"""Baseline for Get-XenVM: what a XenAPI.py script does to list the VMs of a pool.

XenAPI.py wraps xmlrpc.client.ServerProxy: session.login_with_password, then <class>.<call>
with the session first, each answer a Status/Value struct. Like Get-XenVM this reads the
non-template, non-dom0 VMs, the hosts and the guest metrics (one call per class) and joins
host names and IP addresses into one dict per VM.

Usage: XENHA_BENCH_PASSWORD=... python3 get_all_vms.py URL USER
Prints one JSON object: milliseconds to the first and to all VMs, the count, the peak RSS.
"""
import json
import os
import resource
import sys
import time
import xmlrpc.client


def call(proxy, method, *args):
    result = getattr(proxy, method)(*args)
    if result["Status"] != "Success":
        raise RuntimeError(result["ErrorDescription"])
    return result["Value"]


def main():
    url, user = sys.argv[1], sys.argv[2]
    proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
    session = call(proxy, "session.login_with_password", user, os.environ["XENHA_BENCH_PASSWORD"], "2.21", "xenha-bench")
    start = time.perf_counter()
    vms = call(proxy, "VM.get_all_records_where", session,
               'field "is_a_template"="false" and field "is_control_domain"="false"')
    hosts = {ref: h["name_label"] for ref, h in call(proxy, "host.get_all_records", session).items()}
    guest = call(proxy, "VM_guest_metrics.get_all_records", session)
    first_ms = None
    rows = []
    for ref, vm in vms.items():
        g = guest.get(vm["guest_metrics"])
        rows.append({
            "name": vm["name_label"],
            "power_state": vm["power_state"],
            "host": hosts.get(vm["resident_on"], ""),
            "memory_gb": round(int(vm["memory_static_max"]) / 2**30, 2),
            "ip": g["networks"].get("0/ip", "") if g else "",
            "uuid": vm["uuid"],
        })
        if first_ms is None:
            first_ms = (time.perf_counter() - start) * 1000
    all_ms = (time.perf_counter() - start) * 1000
    call(proxy, "session.logout", session)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"first_ms": first_ms, "all_ms": all_ms, "count": len(rows), "peak_mb": peak_mb}))


if __name__ == "__main__":
    main()
