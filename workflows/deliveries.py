"""Inbound de-duplication: a retried or replayed chat delivery is handled once."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.inserts import insert_if_absent
from storage.models import InboundDelivery


def first_delivery(session: Session, platform: str, delivery_id: str, now: datetime) -> bool:
    """Record the delivery; False if it was already recorded (a duplicate to drop)."""
    return insert_if_absent(
        session,
        InboundDelivery,
        {"platform": platform, "delivery_id": delivery_id, "received_at": now},
        ["platform", "delivery_id"],
    )


def forget_delivery(session: Session, platform: str, delivery_id: str) -> None:
    """Drop a delivery's record after its handling failed unexpectedly, so a retry can run."""
    session.execute(
        delete(InboundDelivery).where(
            InboundDelivery.platform == platform, InboundDelivery.delivery_id == delivery_id
        )
    )
