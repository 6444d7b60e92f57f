"""ORM models, one module per PostgreSQL schema; importing this package completes Base.metadata."""

from pharmacy_desktop.db.models import (
    audit,
    billing,
    inventory,
    notifications,
    patients,
    prescriptions,
    users,
)
from pharmacy_desktop.db.models.audit import AccessLog, DomainEvent
from pharmacy_desktop.db.models.billing import Discount, InsuranceClaim, Invoice, InvoiceItem, Payment, PricingRule
from pharmacy_desktop.db.models.catalog import DrugProduct
from pharmacy_desktop.db.models.inventory import (
    InventoryBatch,
    InventoryItem,
    InventoryTransaction,
    PurchaseOrder,
    PurchaseOrderItem,
    StockAdjustment,
    Supplier,
)
from pharmacy_desktop.db.models.notifications import Notification, NotificationTemplate, PrintJob
from pharmacy_desktop.db.models.patients import (
    Patient,
    PatientAllergy,
    PatientCondition,
    PatientInsurance,
    PatientPrescriber,
)
from pharmacy_desktop.db.models.prescriptions import (
    DrugInteraction,
    Medication,
    Prescription,
    PrescriptionItem,
    PrescriptionRefill,
    PrescriptionValidation,
    WillCallBin,
)
from pharmacy_desktop.db.models.users import (
    AuthFailure,
    Permission,
    PharmacyProfile,
    Role,
    RolePermission,
    User,
    UserSession,
)

SCHEMAS = (
    users.SCHEMA,
    patients.SCHEMA,
    prescriptions.SCHEMA,
    inventory.SCHEMA,
    billing.SCHEMA,
    notifications.SCHEMA,
    audit.SCHEMA,
)

__all__ = [
    "SCHEMAS",
    "AccessLog",
    "DomainEvent",
    "Discount",
    "InsuranceClaim",
    "Invoice",
    "InvoiceItem",
    "Payment",
    "PricingRule",
    "InventoryBatch",
    "InventoryItem",
    "InventoryTransaction",
    "PurchaseOrder",
    "PurchaseOrderItem",
    "StockAdjustment",
    "Supplier",
    "Notification",
    "NotificationTemplate",
    "PrintJob",
    "PharmacyProfile",
    "WillCallBin",
    "Patient",
    "PatientAllergy",
    "PatientCondition",
    "PatientInsurance",
    "PatientPrescriber",
    "DrugInteraction",
    "DrugProduct",
    "Medication",
    "Prescription",
    "PrescriptionItem",
    "PrescriptionRefill",
    "PrescriptionValidation",
    "Permission",
    "Role",
    "RolePermission",
    "AuthFailure",
    "User",
    "UserSession",
]
