"""SQLAlchemy 2.0 typed models, one module per aggregate. Import from here."""

from chatbot.models.admin import ROLES, Admin, AdminRefreshToken
from chatbot.models.audit import AuditEntry
from chatbot.models.base import Base, UTCDateTime
from chatbot.models.deal import Crawl, Deal
from chatbot.models.listing import Listing, ListingPhoto
from chatbot.models.member import Member
from chatbot.models.notice import Notice
from chatbot.models.order import Order, OrderEvent
from chatbot.models.payment import Payment

__all__ = [
    "ROLES",
    "Admin",
    "AdminRefreshToken",
    "AuditEntry",
    "Base",
    "Crawl",
    "Deal",
    "Listing",
    "ListingPhoto",
    "Member",
    "Notice",
    "Order",
    "OrderEvent",
    "Payment",
    "UTCDateTime",
]
