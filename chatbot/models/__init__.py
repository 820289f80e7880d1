"""SQLAlchemy 2.0 typed models, one module per aggregate. Import from here."""

from chatbot.models.base import Base, UTCDateTime
from chatbot.models.deal import Crawl, Deal
from chatbot.models.listing import Listing, ListingPhoto
from chatbot.models.member import Member

__all__ = ["Base", "Crawl", "Deal", "Listing", "ListingPhoto", "Member", "UTCDateTime"]
