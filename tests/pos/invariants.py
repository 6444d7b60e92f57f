"""The four billing invariants of issue 13, as SQL over the whole database.

``billing_problems(engine)`` lists every row that breaks one (empty: all hold);
``assert_billing_invariants(engine)`` fails with that list. Run it after every scenario that sells,
refunds or returns (tests/pos, tests/faults, the demo).

1. Invoice arithmetic: subtotal = sum of the non-tax lines, tax_amount = sum of the tax lines,
   total = subtotal + tax - discount, copay = total - insurance, all >= 0.
2. A paid invoice: completed payments - refunded payments = patient_copay.
3. Every dispensed/completed prescription was handed over with a pickup record that has a signature
   (and, for Schedule II-V, the picker's ID), and each fill handed over has exactly one invoice that
   is paid, or cancelled after a full refund (its completed payments all refunded).
4. discounts.times_used never exceeds max_uses.
"""

from __future__ import annotations

from sqlalchemy import text

CHECKS = {
    "invoice arithmetic": """
        SELECT i.invoice_number FROM billing_schema.invoices i
        LEFT JOIN LATERAL (
            SELECT coalesce(sum(total_price) FILTER (WHERE item_type <> 'tax'), 0) AS goods,
                   coalesce(sum(total_price) FILTER (WHERE item_type = 'tax'), 0) AS tax
            FROM billing_schema.invoice_items WHERE invoice_id = i.id) l ON true
        WHERE i.subtotal <> l.goods OR coalesce(i.tax_amount, 0) <> l.tax
           OR i.total_amount <> i.subtotal + coalesce(i.tax_amount, 0) - coalesce(i.discount_amount, 0)
           OR i.patient_copay <> i.total_amount - coalesce(i.insurance_payment, 0)
           OR least(i.subtotal, coalesce(i.tax_amount, 0), coalesce(i.discount_amount, 0),
                    coalesce(i.insurance_payment, 0), i.total_amount, i.patient_copay) < 0
    """,
    "paid invoice payments": """
        SELECT i.invoice_number FROM billing_schema.invoices i
        WHERE i.status = 'paid' AND i.patient_copay <> (
            SELECT coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0)
                 - coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0)
            FROM billing_schema.payments WHERE invoice_id = i.id)
    """,
    "dispensed without a signed pickup": """
        SELECT rx.prescription_number FROM prescription_schema.prescriptions rx
        WHERE rx.status IN ('dispensed', 'completed') AND NOT EXISTS (
            SELECT 1 FROM prescription_schema.pickup_items pi
            JOIN prescription_schema.pickups p ON p.id = pi.pickup_id
            WHERE pi.prescription_id = rx.id AND octet_length(p.signature_png) > 0)
    """,
    "controlled pickup without the picker's ID": """
        SELECT rx.prescription_number FROM prescription_schema.pickup_items pi
        JOIN prescription_schema.pickups p ON p.id = pi.pickup_id
        JOIN prescription_schema.prescriptions rx ON rx.id = pi.prescription_id
        JOIN prescription_schema.prescription_refills r ON r.id = pi.prescription_refill_id
        JOIN prescription_schema.medications m ON m.id = r.medication_id
        WHERE upper(replace(replace(coalesce(m.dea_schedule, ''), '-', ''), ' ', ''))
              IN ('CII', 'CIIN', 'CIII', 'CIIIN', 'CIV', 'CV', 'II', 'IIN', 'III', 'IIIN', 'IV', 'V', '2', '2N', '3',
                  '3N', '4', '5')
          AND (p.id_type IS NULL OR p.id_number IS NULL OR p.id_state IS NULL)
    """,
    "fill handed over without exactly one settled invoice": """
        SELECT rx.prescription_number FROM prescription_schema.pickup_items pi
        JOIN prescription_schema.prescriptions rx ON rx.id = pi.prescription_id
        WHERE rx.status IN ('dispensed', 'completed') AND 1 <> (
            SELECT count(*) FROM billing_schema.invoices i
            WHERE i.prescription_refill_id = pi.prescription_refill_id
              AND (i.status = 'paid' OR (i.status = 'cancelled' AND (
                    SELECT coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0)
                         - coalesce(sum(amount) FILTER (WHERE status = 'refunded'), 0)
                    FROM billing_schema.payments WHERE invoice_id = i.id) = 0)))
    """,
    "discount used too often": """
        SELECT code FROM billing_schema.discounts WHERE max_uses IS NOT NULL AND times_used > max_uses
    """,
}


def billing_problems(engine) -> list[str]:
    problems = []
    with engine.connect() as conn:
        for name, sql in CHECKS.items():
            rows = [str(r[0]) for r in conn.execute(text(sql))]
            if rows:
                problems.append(f"{name}: {', '.join(rows[:10])}{' ...' if len(rows) > 10 else ''}")
    return problems


def assert_billing_invariants(engine) -> None:
    problems = billing_problems(engine)
    assert not problems, "billing invariants broken:\n" + "\n".join(problems)
