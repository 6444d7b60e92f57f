"""The hosting workstation's server configuration as text: settings, pg_hba, the systemd unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy_desktop.db import hosting
from pharmacy_desktop.db.hosting import HostingError, HostingPlan

PLAN = HostingPlan(listen_address="192.168.1.20", subnet="192.168.1.0/24")


def test_settings_listen_on_the_chosen_address_with_tls_and_scram():
    text = hosting.postgresql_conf(PLAN)
    assert "listen_addresses = '127.0.0.1,192.168.1.20'" in text
    assert "port = 5432" in text and "ssl = on" in text
    assert "ssl_cert_file = 'server.crt'" in text and "ssl_key_file = 'server.key'" in text
    assert "password_encryption = 'scram-sha-256'" in text


def test_merge_replaces_the_embedded_defaults_and_is_idempotent():
    embedded = "# Do not edit\nlisten_addresses = '127.0.0.1'\nmax_connections = 100\nfsync = on\n"
    once = hosting.merge_conf(embedded, hosting.postgresql_conf(PLAN))
    assert once.count("listen_addresses") == 1 and "max_connections = 100" in once
    assert hosting.merge_conf(once, hosting.postgresql_conf(PLAN)) == once
    other = hosting.merge_conf(once, hosting.postgresql_conf(HostingPlan("10.0.0.5", "10.0.0.0/24", port=5433)))
    assert "10.0.0.5" in other and "192.168.1.20" not in other and other.count("port =") == 1


def test_pg_hba_allows_the_subnet_only_over_tls_with_scram():
    lines = [line.split() for line in hosting.pg_hba(PLAN).splitlines() if line and not line.startswith("#")]
    network_lines = [line for line in lines if line[0].startswith("host") and "127.0.0.1/32" not in line]
    network_lines = [line for line in network_lines if "::1/128" not in line]
    assert network_lines == [
        ["hostssl", "pharmacy", "pharmacy_app,pharmacy_schema_owner", "192.168.1.0/24", "scram-sha-256"]
    ]
    assert all(line[-1] == "scram-sha-256" for line in lines)
    assert not any(line[0] == "host" and line[3] not in ("127.0.0.1/32", "::1/128") for line in lines)


@pytest.mark.parametrize(
    ("plan", "words"),
    [
        (HostingPlan("192.168.1.20", "0.0.0.0/0"), "too wide"),
        (HostingPlan("10.1.2.3", "10.0.0.0/8"), "too wide"),
        (HostingPlan("8.8.8.8", "8.8.8.0/24"), "not a private network"),
        (HostingPlan("192.168.2.20", "192.168.1.0/24"), "not on"),
        (HostingPlan("192.168.1.20", "192.168.1.0/24", port=0), "port"),
        (HostingPlan("192.168.1.20", "192.168.1.0/24", app_role="app; drop"), "plain name"),
        (HostingPlan("192.168.1.x", "192.168.1.0/24"), "Not an address"),
    ],
)
def test_plans_refused(plan, words):
    with pytest.raises(HostingError, match=words):
        hosting.check_plan(plan)


def test_local_networks_reads_ip_output():
    out = (
        "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n"
        "4: eth0    inet 192.168.1.20/24 brd 192.168.1.255 scope global eth0\\       valid_lft forever\n"
    )
    assert hosting.local_networks(out) == [("192.168.1.20", "192.168.1.0/24")]


def test_systemd_unit():
    unit = hosting.systemd_unit(Path("/usr/lib/postgresql/15/bin"), Path("/home/ph/data/pgdata"), 5432)
    assert "ExecStart=/usr/lib/postgresql/15/bin/postgres -D /home/ph/data/pgdata -p 5432" in unit
    assert "WantedBy=default.target" in unit and "User=" not in unit
    assert "User=postgres" in hosting.systemd_unit(Path("/b"), Path("/d"), 5432, os_user="postgres")


def test_unit_path_under_the_user_config(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert hosting.unit_path() == tmp_path / "systemd" / "user" / "pharmacy-db.service"


def test_certificate_names_the_host_and_address(tmp_path):
    from cryptography import x509

    cert, key = hosting.make_certificate(tmp_path, ["counter1"], ["192.168.1.20"])
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    alt = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert alt.get_values_for_type(x509.DNSName) == ["counter1"]
    assert [str(a) for a in alt.get_values_for_type(x509.IPAddress)] == ["192.168.1.20"]


def test_certificate_with_openssl_when_cryptography_is_missing(tmp_path):
    cert, key = tmp_path / "c.crt", tmp_path / "c.key"
    hosting._certificate_with_openssl(cert, key, ["counter1"], ["192.168.1.20"], 30)
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE KEY" in key.read_text()
