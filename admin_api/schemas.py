"""Request and response models of the admin API (pydantic v2).

The same classes validate requests (spectree, `admin_api.spec`), shape responses, and generate the
OpenAPI document, so the document cannot drift from what the code accepts. Request bodies are
strict (no type coercion, no unknown keys); query strings are parsed leniently (they are text).
Optional inputs have no `null` in their schema: leave the key out instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from chatbot.models import ROLES
from chatbot.services import listings as listing_service
from chatbot.services import notices as notice_service
from chatbot.services import orders as order_service
from chatbot.services import payments as payment_service
from chatbot.services.members import MEMBER_STATUSES, mask_phone

ID_MAX = 2**31 - 1


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def optional(**constraints: Any) -> Any:
    """A `Field` for an optional input: absent = None, `null` itself is not accepted."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class OneOf:
    """`Annotated[str, OneOf(values)]`: a string that must be one of `values` (JSON Schema `enum`).
    For vocabularies the services define (`STATUS_LABELS`, `ROLES`, ...): a `Literal` built from
    them at run time would validate the same but is no type to mypy."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = list(values)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.literal_schema(self.values)


class Body(BaseModel):
    """Base of JSON request bodies: strict types, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    """Base of response bodies, built from ORM objects (`from_attributes`)."""

    model_config = ConfigDict(from_attributes=True)


# --- errors -----------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """The inside of an error: stable `code`, Korean `message`, `details` (a dict)."""

    code: str = Field(description="stable machine name, e.g. invalid_input, token_expired, forbidden")
    message: str = Field(description="what went wrong, for people (Korean)")
    details: dict[str, Any] = Field(description="for invalid_input: field path -> reason")


class ErrorResponse(BaseModel):
    """Every error of the admin API: `{"error": {"code", "message", "details"}}`."""

    error: ErrorDetail


# --- paging -----------------------------------------------------------------------------------------


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page, newest first; pass `next_cursor` as `cursor` for the next (null on the last page)."""

    items: list[T]
    next_cursor: int | None

    @classmethod
    def of(cls, page: Any, convert: Any = None) -> Page[T]:
        """From a `chatbot.services.paging.Page`, each row through `convert` (default: the item
        model's `model_validate`)."""
        item_model = cls.model_fields["items"].annotation.__args__[0]  # type: ignore[union-attr]
        convert = convert or item_model.model_validate
        return cls(items=[convert(row) for row in page.items], next_cursor=page.next_before)


class PageQuery(BaseModel):
    """Cursor paging of every list: `cursor` (the previous page's `next_cursor`), `limit`."""

    cursor: Annotated[int, Field(ge=1, le=ID_MAX)] = optional(
        description="`next_cursor` of the previous page (omit for the newest)"
    )
    limit: int = Field(default=20, ge=1, le=100, description="items per page")

    def service_args(self) -> dict[str, Any]:
        """The query as keyword arguments of a service's `staff_*` finder (same names; `cursor` is
        the finder's `before`)."""
        args = self.model_dump(exclude={"cursor"})
        args["before"] = self.cursor
        return args


# --- auth -------------------------------------------------------------------------------------------


class LoginIn(Body):
    """Credentials: username or email, and password."""

    username: str = Field(min_length=1, max_length=254, description="username or email")
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(Body):
    """A refresh token to rotate."""

    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(BaseModel):
    """What login and refresh give: an access token and a single-use refresh token."""

    access_token: str = Field(description="JWT (HS256, typ at+jwt) to send as `Authorization: Bearer …`")
    refresh_token: str = Field(description="JWT (typ rt+jwt); single use: POST it to /auth/refresh")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds the access token lives")
    refresh_expires_in: int = Field(description="seconds the refresh token lives")


class AdminOut(Out):
    """The authenticated admin."""

    id: int
    email: str
    username: str
    role: Annotated[str, OneOf(ROLES)]
    active: bool
    created_at: datetime
    last_login_at: datetime | None


# --- listings ---------------------------------------------------------------------------------------

ListingStatus: TypeAlias = Annotated[str, OneOf(listing_service.STATUS_LABELS)]
Category: TypeAlias = Annotated[str, OneOf(listing_service.CATEGORIES)]


class ListingQuery(PageQuery):
    """Filters of the listing list (all optional)."""

    status: ListingStatus = optional(description="default: every status but deleted")
    category: Category = optional()
    seller_id: Annotated[int, Field(ge=1, le=ID_MAX)] = optional()
    keyword: str = optional(min_length=1, max_length=40, description="every word in title or description")


class ListingOut(Out):
    """A listing as staff see it (every status but deleted; photos counted)."""

    id: int
    seller_id: int
    seller_nickname: str
    title: str
    price: int = Field(description="KRW")
    category: str
    description: str
    trade_method: str
    place: str | None
    open_chat_url: str | None
    status: str
    view_count: int
    photo_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, listing: Any) -> ListingOut:
        """From a `Listing` with its seller and photos loaded."""
        return cls.model_validate(
            {
                **{name: getattr(listing, name) for name in cls.model_fields if hasattr(listing, name)},
                "seller_nickname": listing.seller.nickname,
                "photo_count": len(listing.photos),
            }
        )


# --- members ----------------------------------------------------------------------------------------


class MemberQuery(PageQuery):
    """Filters of the member list."""

    status: Annotated[str, OneOf(MEMBER_STATUSES)] = optional()
    keyword: str = optional(min_length=1, max_length=12, description="part of the nickname")


class MemberOut(Out):
    """A member; the phone number is masked."""

    id: int
    nickname: str
    phone: str = Field(description="masked: 010-****-5678")
    grade: str
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, member: Any) -> MemberOut:
        """From a `Member`, the phone number masked."""
        out = cls.model_validate(member)
        out.phone = mask_phone(member.phone)
        return out


class MemberDetail(MemberOut):
    """A member with their listings counted per status."""

    listing_counts: dict[str, int] = Field(description="listings per status")


# --- deals ------------------------------------------------------------------------------------------


class DealQuery(PageQuery):
    """Filters of the deal list."""

    source: str = optional(pattern=r"^[a-z0-9_]{1,20}$", description="board name, e.g. ppomppu")
    hidden: bool = optional()
    keyword: str = optional(min_length=1, max_length=40, description="part of the title")


class DealOut(Out):
    """A crawled deal, `hidden` when an admin took it out of the snapshot."""

    id: int
    source: str
    post_id: str
    title: str
    url: str
    price: int | None
    price_text: str | None
    shipping: str | None
    shop: str | None
    category: str | None
    posted_at: datetime | None
    comments: int
    votes: int
    ended: bool
    hidden: bool
    first_seen_at: datetime
    last_seen_at: datetime


class CrawlRequestOut(BaseModel):
    """The answer to a crawl request."""

    status: Literal["queued", "already_queued"] = Field(
        description="queued: the crawler loop starts a pass within seconds; already_queued: one is waiting"
    )


# --- notices ----------------------------------------------------------------------------------------

_TEXT = notice_service.NOT_BLANK_PATTERN  # at least one character `strip()` keeps


class NoticeIn(Body):
    """A new notice (plain text; `published` ones reach KakaoTalk)."""

    title: str = Field(min_length=1, max_length=notice_service.TITLE_MAX, pattern=_TEXT)
    body: str = Field(min_length=1, max_length=notice_service.BODY_MAX, pattern=_TEXT)
    published: bool = False


class NoticePatch(Body):
    """Fields of a notice to change; leave out what stays."""

    title: str = optional(min_length=1, max_length=notice_service.TITLE_MAX, pattern=_TEXT)
    body: str = optional(min_length=1, max_length=notice_service.BODY_MAX, pattern=_TEXT)
    published: bool = optional()


class NoticeQuery(PageQuery):
    """Filters of the notice list."""

    published: bool = optional()


class NoticeOut(Out):
    """A notice."""

    id: int
    title: str
    body: str
    published: bool
    created_at: datetime
    updated_at: datetime


# --- orders and payments ---------------------------------------------------------------------------

OrderStatus: TypeAlias = Annotated[str, OneOf(order_service.STATUS_LABELS)]
OrderMethod: TypeAlias = Annotated[str, OneOf(order_service.METHODS)]
PaymentStatus: TypeAlias = Annotated[str, OneOf(payment_service.STATUSES)]


class OrderQuery(PageQuery):
    """Filters of the order list."""

    status: OrderStatus = optional()
    method: OrderMethod = optional()
    member_id: Annotated[int, Field(ge=1, le=ID_MAX)] = optional(description="as buyer or seller")
    listing_id: Annotated[int, Field(ge=1, le=ID_MAX)] = optional()


class OrderOut(Out):
    """An order (a trade of one listing between a buyer and a seller)."""

    id: int
    listing_id: int
    listing_title: str
    buyer_id: int
    seller_id: int
    method: str = Field(description="face_to_face (직거래) or kakaopay")
    amount: int = Field(description="KRW")
    status: str
    courier: str | None
    tracking_number: str | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    canceled_at: datetime | None

    @classmethod
    def of(cls, order: Any) -> OrderOut:
        """From an `Order` with its listing loaded."""
        fields = {name: getattr(order, name) for name in cls.model_fields if hasattr(order, name)}
        return cls.model_validate({**fields, "listing_title": order.listing.title})


class OrderEventOut(Out):
    """One status change of an order, and who made it."""

    from_status: str | None
    to_status: str
    action: str
    actor: str = Field(description="buyer, seller, system or admin")
    actor_member_id: int | None
    at: datetime


class PaymentOut(Out):
    """A KakaoPay payment; the tid is never shown."""

    id: int
    order_id: int
    cid: str
    partner_order_id: str
    amount: int = Field(description="KRW")
    status: str
    failure: str | None
    approved_at: datetime | None
    canceled_amount: int
    canceled_at: datetime | None
    kakaopay: dict[str, Any] | None = Field(
        validation_alias="raw", description="KakaoPay's last answer, trimmed"
    )
    created_at: datetime
    updated_at: datetime


class OrderDetail(OrderOut):
    """An order with its state history and its payments."""

    history: list[OrderEventOut] = Field(description="every status change, oldest first")
    payments: list[PaymentOut]


class PaymentQuery(PageQuery):
    """Filters of the payment list."""

    status: PaymentStatus = optional()
    order_id: Annotated[int, Field(ge=1, le=ID_MAX)] = optional()


# --- audit ------------------------------------------------------------------------------------------

TargetType = Literal["listing", "member", "deal", "notice", "crawl", "order"]


class AuditQuery(PageQuery):
    """Filters of the audit log."""

    admin_id: Annotated[int, Field(ge=1, le=ID_MAX)] = optional()
    target_type: TargetType = optional()
    target_id: str = optional(pattern=r"^[0-9]{1,10}$")


class AuditOut(Out):
    """One admin write: who, what, on which target, before and after, in which request."""

    id: int
    admin_id: int
    action: str = Field(description="e.g. listing.hide, member.suspend, notice.update")
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime
    request_id: str
