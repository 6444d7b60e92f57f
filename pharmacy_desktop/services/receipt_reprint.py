"""A sale's receipt printed again (`pharmacy-desktop print receipt NUMBER`), marked REPRINT.

Found by the sale number or any of the sale's invoice numbers; the receipt is built from the sale's
stored rows (services/receipts.receipt_for_sale, the same builder as at completion), so a copy
printed after a refund shows the refund lines too. The new job points at the sale's original
receipt job (``reprint_of``) and the reprint is logged with its reason.
"""

from __future__ import annotations

import uuid

from pharmacy_desktop.db.unit_of_work import UnitOfWorkFactory
from pharmacy_desktop.errors import NotFound, ValidationFailed
from pharmacy_desktop.services import access, receipts
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.print_enqueue import RECEIPT_REPRINT_PERMISSION, queue_receipt
from pharmacy_desktop.services.printer_settings import PrinterSettings

__all__ = ["reprint_receipt"]


def reprint_receipt(
    uow_factory: UnitOfWorkFactory,
    actor: Actor | None,
    number: str,
    *,
    reason: str,
    workstation: str,
    printer_uri: str | None = None,
    printer_profile: str | None = None,
    printers: PrinterSettings | None = None,
) -> uuid.UUID:
    """Queue a REPRINT of the receipt of the sale numbered ``number`` (S000123) or owning invoice
    ``number`` (INV000123); returns the new job's id. ``actor`` None is the command line."""
    wanted = (number or "").strip()
    if not wanted:
        raise ValidationFailed("Give the sale number (S000123) or an invoice number (INV000123) from the receipt.")
    with uow_factory(actor.user_id if actor else None) as uow:
        if actor is not None:
            access.require(uow, actor, RECEIPT_REPRINT_PERMISSION, doing="reprint a receipt")
        sale = uow.billing_reports.sale_for_receipt(wanted)
        if sale is None:
            raise NotFound(
                f"No sale has the number {wanted!r}, and no sale's invoice has it. "
                "Check the sale or invoice number printed on the receipt."
            )
        original = sale.receipt_job_id
        if original is None or uow.print_jobs.get(original) is None:  # else the sale's first receipt job
            jobs = uow.print_jobs.for_reference("sale", sale.id)
            original = next((j.id for j in jobs if j.job_type == "receipt" and not j.is_reprint), None)
        if original is None:
            raise NotFound(f"Sale {sale.sale_number} never had a receipt queued, so there is none to print again.")
        job_id = queue_receipt(
            uow,
            actor,
            receipts.receipt_for_sale(uow, sale.id, reprint=True),
            reference_type="sale",
            reference_id=sale.id,
            reprint_of=original,
            reason=reason,
            printer_uri=printer_uri,
            printer_profile=printer_profile,
            printers=printers,
            workstation=workstation,
        )
        uow.commit()
        return job_id
