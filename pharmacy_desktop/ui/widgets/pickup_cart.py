"""The cart of the pickup screen: what the cashier has chosen so far, kept on the client until the
sale completes (pos_spec.md "Shape of a sale"), and turned into the ``SaleRequest`` every service
call sends. No Qt here: the screen shows it, the services price and check it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy_desktop.domain.money import ZERO, format_money
from pharmacy_desktop.services.auth import Actor
from pharmacy_desktop.services.pickup import PickupRx, PickupView
from pharmacy_desktop.services.sale import CartItem, CartRx, QuoteLine, SaleQuote, SaleRequest
from pharmacy_desktop.services.sale_pricing import FillPrice
from pharmacy_desktop.ui.widgets.pickup_items import ItemRow


@dataclass
class Counsel:
    """The counseling recorded for one fill: None while a needed offer is still open."""

    status: str | None  # 'accepted', 'declined', 'not_required', or None (offer needed)
    counselor: Actor | None = None


@dataclass
class Cart:
    view: PickupView
    sale_key: uuid.UUID = field(default_factory=uuid.uuid4)
    take: dict[uuid.UUID, bool] = field(default_factory=dict)
    counsel: dict[uuid.UUID, Counsel] = field(default_factory=dict)
    store: dict[str, int] = field(default_factory=dict)  # UPC -> quantity, in the order scanned
    discount_code: str = ""
    quote: SaleQuote | None = None
    card_seq: int = 0  # card attempts so far (each its own terminal reference)
    unanswered_card: tuple[int, Decimal] | None = None  # (seq, amount) of a charge that timed out

    def __post_init__(self) -> None:
        for rx in self.view.prescriptions:
            self.take.setdefault(rx.refill_id, True)
            self.counsel.setdefault(rx.refill_id, Counsel(None if rx.counseling_required else "not_required"))

    # -- what is in it ------------------------------------------------------------------------------

    def taken(self) -> list[PickupRx]:
        return [rx for rx in self.view.prescriptions if self.take.get(rx.refill_id)]

    def patients(self) -> list[tuple[uuid.UUID, str]]:
        """Whose date of birth is asked: the patient at the counter, then each household member
        whose bag is taken."""
        if not self.taken():
            return []  # store items only: nobody's bag, no date of birth to ask
        found = [(self.view.patient_id, self.view.patient_name)]
        for rx in self.taken():
            if rx.patient_id not in {pid for pid, _ in found}:
                found.append((rx.patient_id, rx.patient_name))
        return found

    def schedules(self) -> str:
        """'C-II, C-IV' for the controlled prescriptions taken ('' when none)."""
        found = sorted({rx.schedule or "controlled" for rx in self.taken() if rx.is_controlled})
        return ", ".join(found)

    def counseling_offered(self) -> bool:
        return any(rx.counseling_required for rx in self.taken())

    def is_empty(self) -> bool:
        return not self.taken() and not self.store

    def rx(self, refill_id: uuid.UUID) -> PickupRx | None:
        return next((rx for rx in self.view.prescriptions if rx.refill_id == refill_id), None)

    # -- requests -------------------------------------------------------------------------------------

    def request(self, **more: object) -> SaleRequest:
        lines = tuple(
            CartRx(
                rx.refill_id, self.counsel[rx.refill_id].status or "not_required", self.counsel[rx.refill_id].counselor
            )
            for rx in self.taken()
        )
        items = tuple(CartItem(upc, qty) for upc, qty in self.store.items())
        return SaleRequest(
            sale_key=self.sale_key,
            patient_id=self.view.patient_id,
            prescriptions=lines,
            store_items=items,
            discount_code=self.discount_code or None,
            **more,  # type: ignore[arg-type]
        )

    # -- what is missing ------------------------------------------------------------------------------

    def missing_counseling(self) -> list[str]:
        return [f"counseling for Rx {rx.rx_number}" for rx in self.taken() if self.counsel[rx.refill_id].status is None]

    # -- rows for the table -----------------------------------------------------------------------

    def rows(self) -> list[ItemRow]:
        priced = {line.key: line for line in (self.quote.lines if self.quote else ())}
        rows = [self._rx_row(rx, priced.get(str(rx.refill_id))) for rx in self.view.prescriptions]
        for upc, qty in self.store.items():
            line = priced.get(f"upc:{upc}")
            name = line.description if line else f"UPC {upc}"
            price = format_money(line.price) if line else "…"
            pay = format_money(line.patient_pay) if line else "…"
            tax = " + tax" if line and line.taxable else ""
            rows.append(
                ItemRow(
                    f"upc:{upc}",
                    "store",
                    True,
                    "Store item",
                    f"{name}\n× {qty}{tax}",
                    price,
                    "",
                    pay,
                    "",
                    "none",
                    "",
                    "",
                )
            )
        return rows

    def _rx_row(self, rx: PickupRx, line: QuoteLine | None) -> ItemRow:
        price = line.fill_price if line is not None and line.fill_price is not None else rx.price
        claim, state = claim_text(price)
        counsel = self.counsel[rx.refill_id]
        counseling, c_state = counseling_text(rx, counsel)
        who = f"Rx {rx.rx_number}\n{rx.patient_name}"
        if rx.patient_id != self.view.patient_id:
            who += " (household)"
        drug = f"{'[' + rx.schedule + '] ' if rx.schedule else ''}{rx.drug}\n{rx.quantity} · waiting {rx.waiting}"
        take = self.take.get(rx.refill_id, False)
        money = (line.price, line.insurance_paid, line.patient_pay) if line is not None and take else None
        if money is None and price.sellable and price.price is not None:
            money = (price.price, price.insurance_paid, price.patient_pay or ZERO)
        price_text, insurance_text, pay_text = (format_money(m) for m in money) if money else ("—", "—", "—")
        if line is not None and take and line.discount:
            pay_text += f"\n(−{format_money(line.discount)})"
        detail = price.message
        if price.status == "rejected":
            detail = "sold at the cash price; the plan rejected it: " + " ".join(price.reject_lines)
        return ItemRow(
            rx.refill_id,
            "rx",
            take,
            who,
            drug,
            price_text,
            insurance_text,
            pay_text,
            claim,
            state,
            counseling,
            c_state,
            controlled=rx.is_controlled,
            claim_detail=detail,
        )


def claim_text(price: FillPrice) -> tuple[str, str]:
    """The claim cell and its state: paid, rejected (with the NCPDP code and text), cash, pending."""
    if price.status == "insurance":
        return f"paid{' by ' + price.plan if price.plan else ''}", "paid"  # the icon: pickup_items
    if price.status == "rejected":
        codes = "/".join(price.reject_codes)
        first = price.reject_lines[0].split(":")[0] if price.reject_lines else ""
        text = first.split(" ", 1)[1] if " " in first else first
        return f"REJECTED {codes}\n{text}", "rejected"
    if price.status == "cash":
        return "cash (no insurance)", "none"
    if not price.sellable:
        return price.message, "rejected"
    return price.message or price.status, "pending"


def counseling_text(rx: PickupRx, counsel: Counsel) -> tuple[str, str]:
    if counsel.status == "accepted":
        who = counsel.counselor.display_name if counsel.counselor is not None else "pharmacist"
        return f"accepted\n{who}", "accepted"
    if counsel.status == "declined":
        return "declined", "declined"
    if counsel.status is None:
        return f"offer needed\n{rx.counseling_reason}", "needed"
    return "not required", "not_required"


def totals_lines(quote: SaleQuote) -> list[tuple[str, str]]:
    lines = [("Goods and fees", format_money(quote.subtotal))]
    if quote.insurance:
        lines.append(("Insurance pays", f"−{format_money(quote.insurance)}"))
    if quote.discount:
        lines.append((f"Discount {quote.discount_code or ''}".strip(), f"−{format_money(quote.discount)}"))
    lines.append(("Tax", format_money(quote.tax)))
    return lines


def rx_total(quote: SaleQuote | None) -> Decimal:
    return quote.patient_pay if quote is not None else ZERO
