"""`pharmacy-desktop db host --subnet NET [--address IP] [--port N]`: this workstation's embedded
database becomes the pharmacy's server (db/hosting.py) — the first-run wizard's hosting step, again
or from a terminal (after the wizard's step failed, or to change the network or the port)."""

from __future__ import annotations

import argparse
import sys


def register(db_actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    host = db_actions.add_parser(
        "host",
        help="make this workstation's embedded database the pharmacy's server (TLS, scram, the subnet only, app role)",
    )
    host.add_argument("--subnet", required=True, help="the counters' network, e.g. 192.168.1.0/24 (confirm it)")
    host.add_argument("--address", help="this computer's address on it (default: its address on that network)")
    host.add_argument("--port", type=int, default=5432)
    host.add_argument("--no-unit", action="store_true", help="do not write the systemd user unit")
    host.set_defaults(handler=cmd_db_host)


def cmd_db_host(args: argparse.Namespace) -> int:
    import ipaddress

    from pharmacy_desktop import config as config_mod
    from pharmacy_desktop.app import configured_url, open_database
    from pharmacy_desktop.services.connection_check import (
        HostingPlan,
        check_plan,
        host_this_workstation,
        hosting_summary,
        local_networks,
    )

    cfg = config_mod.load()
    if configured_url(getattr(args, "database_url", None), cfg)[0] is not None:
        print("error: 'db host' makes the embedded database a server; this workstation uses a configured one.",
              file=sys.stderr)  # fmt: skip
        return 2
    address = args.address
    if not address:
        try:
            network = ipaddress.ip_network(args.subnet, strict=False)
        except ValueError:
            print(f"error: {args.subnet!r} is not a network, e.g. 192.168.1.0/24", file=sys.stderr)
            return 2
        address = next((a for a, _n in local_networks() if ipaddress.ip_address(a) in network), None)
        if address is None:
            print(f"error: this computer has no address on {network}; give --address", file=sys.stderr)
            return 2
    plan = HostingPlan(listen_address=address, subnet=args.subnet, port=args.port)
    check_plan(plan)  # refused before any server is started
    first = open_database(cfg=cfg, seed_demo=False)  # migrated first: the app role's grants need the tables
    embedded = first.embedded
    first.close()
    assert embedded is not None  # no server configured (checked above)
    result = host_this_workstation(embedded, plan, write_unit=not args.no_unit)
    print(hosting_summary(result))
    return 0
