"""Accounts, workstation sessions, RBAC seed, pharmacy profile.

- users: lockout counters (held in the database so they hold across workstations), PIN and badge
  hashes for quick user switch, password_changed_at, version for concurrent admin edits.
- user_sessions: workstation, sign-in method and last activity (the document's table is for web
  refresh tokens; here the token is the workstation session secret's hash).
- pharmacy_profile: name, address, phone, NPI, NCPDP, DEA printed on labels (one row).
- roles, permissions and role_permissions seeded from pharmacy_desktop/domain/permissions.py
  as of this revision (copied here so the revision never changes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PERMISSIONS = {
    "prescription.enter": "enter new prescriptions",
    "prescription.review": "review prescriptions (clinical review)",
    "prescription.override_dur": "override DUR alerts",
    "prescription.fill": "fill prescriptions",
    "prescription.final_verify": "do final verification",
    "prescription.cancel": "cancel prescriptions",
    "patient.view": "open patient records",
    "patient.edit": "create and edit patients",
    "pos.sell": "ring up sales",
    "pos.refund": "refund sales",
    "inventory.view": "view inventory",
    "inventory.receive": "receive stock",
    "inventory.adjust": "adjust stock",
    "inventory.adjust.approve": "approve stock adjustments",
    "users.manage": "manage users",
    "reports.view": "view reports",
    "audit.view": "view the audit log",
    "settings.manage": "change pharmacy and printer settings",
    "catalog.manage": "import and edit the drug catalog",
}
TECHNICIAN = [
    "prescription.enter",
    "prescription.fill",
    "patient.view",
    "patient.edit",
    "pos.sell",
    "inventory.view",
    "inventory.receive",
    "inventory.adjust",
]
ROLES = {
    "technician": ("Pharmacy technician: intake, fill, pickup", TECHNICIAN),
    "pharmacist": (
        "Pharmacist: clinical review, overrides, final verification",
        TECHNICIAN
        + [
            "prescription.review",
            "prescription.override_dur",
            "prescription.final_verify",
            "prescription.cancel",
            "pos.refund",
            "reports.view",
        ],
    ),
    "manager": (
        "Store manager: inventory approvals, reports, audit",
        [
            "patient.view",
            "pos.sell",
            "pos.refund",
            "inventory.view",
            "inventory.receive",
            "inventory.adjust",
            "inventory.adjust.approve",
            "reports.view",
            "audit.view",
        ],
    ),
    "admin": (
        "Administrator: users, settings, catalog",
        ["users.manage", "settings.manage", "catalog.manage", "reports.view", "audit.view"],
    ),
}


def upgrade() -> None:
    op.execute("""
        ALTER TABLE user_schema.users
            ADD COLUMN failed_login_count INTEGER NOT NULL DEFAULT 0,
            ADD COLUMN locked_until TIMESTAMP WITH TIME ZONE,
            ADD COLUMN pin_hash VARCHAR(255),
            ADD COLUMN badge_hash VARCHAR(255),
            ADD COLUMN password_changed_at TIMESTAMP WITH TIME ZONE,
            ADD COLUMN version INTEGER NOT NULL DEFAULT 1,
            ADD CONSTRAINT ck_users_role CHECK (role IN ('pharmacist', 'technician', 'manager', 'admin'));
        ALTER TABLE user_schema.user_sessions
            ADD COLUMN workstation VARCHAR(100),
            ADD COLUMN method VARCHAR(20) NOT NULL DEFAULT 'password',
            ADD COLUMN last_seen_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP;
        CREATE INDEX idx_user_sessions_workstation ON user_schema.user_sessions(workstation, revoked_at);
        CREATE TABLE user_schema.pharmacy_profile (
            id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            name VARCHAR(255) NOT NULL,
            address_line1 VARCHAR(255) NOT NULL,
            address_line2 VARCHAR(255),
            city VARCHAR(100) NOT NULL,
            state VARCHAR(50) NOT NULL,
            zip_code VARCHAR(10) NOT NULL,
            phone VARCHAR(20) NOT NULL,
            npi VARCHAR(10),
            ncpdp VARCHAR(7),
            dea VARCHAR(20),
            created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
            updated_by UUID REFERENCES user_schema.users(id)
        );
    """)
    permissions = sa.table(
        "permissions",
        sa.column("name"),
        sa.column("description"),
        sa.column("resource"),
        sa.column("action"),
        schema="user_schema",
    )
    op.bulk_insert(
        permissions,
        [
            {"name": name, "description": desc, "resource": name.partition(".")[0], "action": name.partition(".")[2]}
            for name, desc in PERMISSIONS.items()
        ],
    )
    roles = sa.table("roles", sa.column("name"), sa.column("description"), schema="user_schema")
    op.bulk_insert(roles, [{"name": name, "description": desc} for name, (desc, _) in ROLES.items()])
    for role, (_, perms) in ROLES.items():
        op.execute(
            sa.text(
                "INSERT INTO user_schema.role_permissions (role_id, permission_id) "
                "SELECT r.id, p.id FROM user_schema.roles r, user_schema.permissions p "
                "WHERE r.name = :role AND p.name = ANY(:perms)"
            ).bindparams(role=role, perms=perms)
        )


def downgrade() -> None:
    op.execute("""
        DELETE FROM user_schema.role_permissions;
        DELETE FROM user_schema.roles WHERE name IN ('technician', 'pharmacist', 'manager', 'admin');
        DELETE FROM user_schema.permissions;
        DROP TABLE user_schema.pharmacy_profile;
        DROP INDEX user_schema.idx_user_sessions_workstation;
        ALTER TABLE user_schema.user_sessions DROP COLUMN workstation, DROP COLUMN method, DROP COLUMN last_seen_at;
        ALTER TABLE user_schema.users
            DROP CONSTRAINT ck_users_role,
            DROP COLUMN failed_login_count, DROP COLUMN locked_until, DROP COLUMN pin_hash,
            DROP COLUMN badge_hash, DROP COLUMN password_changed_at, DROP COLUMN version;
    """)
