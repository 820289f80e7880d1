"""SkillPayload: what Open Builder POSTs to a skill, parsed leniently into typed pydantic models.

Source: GB-FMT = https://kakaobusiness.gitbook.io/main/tool/chatbot/skill_guide/answer_json_format
(§SkillPayload: intent, userRequest, bot, action, contexts, flow), the v1 guide
https://chatbot.kakao.com/docs/skill-dev-guide-v1 and Kakao's team-chat (group) bot quick start
("unknown fields must not raise"). Every variation seen in ../shared/fixtures/kakao/requests is accepted:

* camelCase keys and their snake_case duplicates (`botUserKey` / `bot_user_key`, ...);
* `lang` "ko", "kr", null or absent; `isFriend` true, false or absent;
* `action.clientExtra` as `{}`, `null`, the string `"null"` or absent (always a dict here);
* params whose value is a plain string or JSON in a string (`sys_date`, `sys_number`, secureimage);
* `contexts[].lifespan` (requests) or `lifeSpan` (responses), `ttl`, `params.{k: {value, resolvedValue}}`;
* team-chat payloads (`userRequest.chat`, no `lang`/`block`/`params`/`clientExtra`) and v1 payloads.

Parsing is on every request, so it is one `model_validate_json` call on the raw body.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "MAX_USER_KEY_LENGTH",
    "Action",
    "Block",
    "Bot",
    "Chat",
    "Context",
    "ContextParam",
    "DetailParam",
    "Flow",
    "FlowTrigger",
    "Intent",
    "SkillPayload",
    "SkillPayloadError",
    "User",
    "UserProperties",
    "UserRequest",
    "decode_secure_urls",
    "parse_skill_payload",
]

# GB-FMT §user: "botUserKey … 최대 70자". Our members table keys on it, so longer is refused, not cut.
MAX_USER_KEY_LENGTH = 70
# A real SkillPayload is a few KB; anything this big is not one, and is refused before JSON parsing.
MAX_PAYLOAD_BYTES = 1024 * 1024


class SkillPayloadError(ValueError):
    """A request body that is not a usable SkillPayload.

    Attributes: `user_message` (Korean, safe to show in a SkillResponse) and `reason` (English, short,
    for logs and the HTTP 400 outcome; never contains the body).
    """

    def __init__(self, reason: str, user_message: str = "요청 형식이 올바르지 않아요.") -> None:
        self.reason = reason
        self.user_message = user_message
        super().__init__(reason)


class _Model(BaseModel):
    """Lenient base: unknown keys ignored, camelCase or snake_case accepted, numbers taken as strings."""

    model_config = ConfigDict(
        extra="ignore",
        alias_generator=AliasGenerator(validation_alias=to_camel),
        validate_by_name=True,
        validate_by_alias=True,
        coerce_numbers_to_str=True,
    )


def _dict_or_empty(value: Any) -> Any:
    """`null` (and the v1 string "null") mean "nothing here" for every map in the payload."""
    if value is None or value == "null" or value == "":
        return {}
    return value


# A JSON object that may also arrive as null / "null" / "".
LenientDict = Annotated[dict[str, Any], BeforeValidator(_dict_or_empty)]
# A string that may also arrive as null (taken as "").
LenientStr = Annotated[str, BeforeValidator(lambda v: "" if v is None else v)]


class Bot(_Model):
    """`bot`: `id` (a trailing "!" marks the development channel, GROUP-QS) and `name`."""

    id: LenientStr = ""
    name: str | None = None


class Block(_Model):
    """`userRequest.block` / `flow.lastBlock`: the block's `id` and `name`."""

    id: LenientStr = ""
    name: str | None = None


class Intent(_Model):
    """`intent`: the matched block (`id`, `name`) and `extra` (reason, 지식+ knowledge), kept raw."""

    id: LenientStr = ""
    name: str | None = None
    extra: LenientDict = Field(default_factory=dict)


class UserProperties(_Model):
    """`userRequest.user.properties`; each key in camelCase or its snake_case duplicate.

    `is_friend` is true/false/None: GB-FMT says it is only sent (true) for friends, real traffic also
    sends false. Other keys (`accountId`, `talkUserId`, `appUserStatus`, ...) are kept as extras.
    """

    model_config = ConfigDict(extra="allow")

    bot_user_key: str | None = None
    plusfriend_user_key: str | None = None
    app_user_id: str | None = None
    is_friend: bool | None = None


class User(_Model):
    """`userRequest.user`: `id` (botUserKey, ≤ 70 chars, required), `type`, `properties`."""

    id: str = Field(min_length=1, max_length=MAX_USER_KEY_LENGTH)
    type: str | None = None
    properties: Annotated[UserProperties, BeforeValidator(_dict_or_empty)] = Field(
        default_factory=UserProperties
    )


class Chat(_Model):
    """`userRequest.chat` of a team-chat (group) bot: `id`, `type` ("botGroupKey"), `properties`."""

    id: LenientStr = ""
    type: str | None = None
    properties: LenientDict = Field(default_factory=dict)


class UserRequest(_Model):
    """`userRequest`: `user` (required), `utterance`, `params` (surface, ignoreMe), `block`, `lang`
    ("ko"/"kr"/None), `timezone`, `callbackUrl` (AI chatbot callback, GB-CB) and `chat` (team chat)."""

    user: User
    utterance: LenientStr = ""
    params: LenientDict = Field(default_factory=dict)
    block: Block | None = None
    lang: str | None = None
    timezone: str | None = None
    callback_url: str | None = None
    chat: Chat | None = None


class DetailParam(_Model):
    """`action.detailParams[name]`: `value` (str, maybe JSON in a string), `origin` (what was typed),
    `groupName`."""

    value: Any = None
    origin: str | None = None
    group_name: str | None = None


class Action(_Model):
    """`action`: the skill (`id`, `name`), `params` (name → value, values usually strings),
    `detailParams` (name → DetailParam) and `clientExtra` (the `extra` of the button or quickReply that
    was pressed; always a dict here)."""

    id: LenientStr = ""
    name: str | None = None
    params: LenientDict = Field(default_factory=dict)
    detail_params: Annotated[dict[str, DetailParam], BeforeValidator(_dict_or_empty)] = Field(
        default_factory=dict
    )
    client_extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("client_extra", mode="before")
    @classmethod
    def _client_extra(cls, value: Any) -> Any:
        # `{}` / `null` / `"null"` / absent all seen; a JSON object in a string is unwrapped.
        value = _dict_or_empty(value)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return {}
        return value if isinstance(value, dict) else {}


class ContextParam(_Model):
    """`contexts[].params[name]`: `value` and `resolvedValue` (a plain string is taken as both)."""

    value: Any = None
    resolved_value: Any = None


class Context(_Model):
    """`contexts[]`: `name`, `lifespan` (requests spell it so; `lifeSpan` also accepted), `ttl` (s),
    `params` (name → ContextParam)."""

    name: LenientStr = ""
    lifespan: int | None = Field(default=None, validation_alias=AliasChoices("lifespan", "lifeSpan"))
    ttl: int | None = None
    params: dict[str, ContextParam] = Field(default_factory=dict)

    @field_validator("params", mode="before")
    @classmethod
    def _params(cls, value: Any) -> Any:
        value = _dict_or_empty(value)
        if isinstance(value, dict):
            return {
                k: {"value": v, "resolvedValue": v} if not isinstance(v, dict) else v
                for k, v in value.items()
            }
        return value


class FlowTrigger(_Model):
    """`flow.trigger`: `type` (e.g. "QUICKREPLY_BUTTON_MESSAGE") and `referrerBlock`."""

    type: str | None = None
    referrer_block: Block | None = None


class Flow(_Model):
    """`flow`: `lastBlock` and `trigger` (GB-FMT §flow)."""

    last_block: Block | None = None
    trigger: FlowTrigger | None = None


_LIST_RE = re.compile(r"^\s*List\((.*)\)\s*$", re.DOTALL)
# Several URLs inside List(...) were never observed; split only where a new URL starts, so a comma
# inside a URL's query string cannot break one URL in two.
_URL_SPLIT_RE = re.compile(r"\s*,\s*(?=https?://)")


def decode_secure_urls(value: Any) -> list[str]:
    """Decode a `sys.plugin.secureimage` value into its image URLs (in order; [] if none).

    Accepts the JSON string `{"privacyAgreement":"Y","imageQuantity":"1","secureUrls":"List(u1, u2)",
    "expire":"…"}` (or that object already decoded), a bare `"List(u1, u2)"` string, a JSON array,
    or one bare URL. Source: real payloads in fixtures/kakao/requests (INDEX.md, "secureimage notes").
    Never raises.
    """
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("{", "[")):
            try:
                value = json.loads(text)
            except ValueError:
                return []
        else:
            value = text
    if isinstance(value, dict):
        value = value.get("secureUrls")
        return decode_secure_urls(value) if value is not None else []
    if isinstance(value, list):
        return [u.strip() for u in value if isinstance(u, str) and u.strip()]
    if isinstance(value, str):
        match = _LIST_RE.match(value)
        inner = match.group(1) if match else value
        return [u for u in _URL_SPLIT_RE.split(inner.strip()) if u.startswith(("http://", "https://"))]
    return []


class SkillPayload(_Model):
    """The whole SkillPayload (GB-FMT §SkillPayload). Only `userRequest.user.id` is required.

    Use the convenience accessors (`user_key`, `utterance`, `param()`, `secure_images()`, ...) in
    handlers rather than walking the models.
    """

    user_request: UserRequest
    intent: Intent = Field(default_factory=Intent)
    bot: Bot = Field(default_factory=Bot)
    action: Action = Field(default_factory=Action)
    contexts: list[Context] = Field(default_factory=list)
    flow: Flow | None = None

    @field_validator("intent", "bot", "action", mode="before")
    @classmethod
    def _null_object(cls, value: Any) -> Any:
        return _dict_or_empty(value)

    @field_validator("contexts", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value

    # --- identity -------------------------------------------------------------------------------

    @property
    def user_key(self) -> str:
        """botUserKey = `userRequest.user.id` (≤ 70 chars; differs per bot for the same person)."""
        return self.user_request.user.id

    @property
    def plusfriend_user_key(self) -> str | None:
        """`user.properties.plusfriendUserKey` (or `plusfriend_user_key`), if sent."""
        return self.user_request.user.properties.plusfriend_user_key

    @property
    def app_user_id(self) -> str | None:
        """`user.properties.appUserId` (Kakao Login user id; only with an app key set on the bot)."""
        return self.user_request.user.properties.app_user_id

    @property
    def bot_id(self) -> str:
        """`bot.id` ("" if absent); a trailing "!" means the development channel."""
        return self.bot.id

    @property
    def block_id(self) -> str:
        """`userRequest.block.id`, else `intent.id` (team-chat payloads carry no block)."""
        block = self.user_request.block
        return block.id if block is not None and block.id else self.intent.id

    # --- what was said ---------------------------------------------------------------------------

    @property
    def utterance(self) -> str:
        """`userRequest.utterance`, stripped (the builder test appends "\\n")."""
        return self.user_request.utterance.strip()

    @property
    def surface(self) -> str | None:
        """`userRequest.params.surface`, e.g. "Kakaotalk.plusfriend" or "BuilderBotTest"."""
        surface = self.user_request.params.get("surface")
        return surface if isinstance(surface, str) else None

    @property
    def is_builder_test(self) -> bool:
        """True for the admin center's bot test / skill test (surface BuilderBotTest or ignoreMe)."""
        params = self.user_request.params
        return params.get("surface") == "BuilderBotTest" or str(params.get("ignoreMe", "")).lower() == "true"

    @property
    def callback_url(self) -> str | None:
        """`userRequest.callbackUrl` (AI chatbot callback: valid 1 min, usable once; GB-CB)."""
        return self.user_request.callback_url

    @property
    def client_extra(self) -> dict[str, Any]:
        """`action.clientExtra` as a dict (never None)."""
        return self.action.client_extra

    def param(self, name: str, default: Any = None) -> Any:
        """The value of `name`: `action.clientExtra` first (raw value: our own ids may be numbers),
        then `action.params`, then `action.detailParams[name].value` (as strings).

        None and "" count as absent at each level; `default` when absent everywhere.
        """
        value = self.action.client_extra.get(name)
        if value is not None and value != "":
            return value
        value = self.action.params.get(name)
        if value is None or value == "":
            detail = self.action.detail_params.get(name)
            value = detail.value if detail is not None else None
        if value is None or value == "":
            return default
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)

    def param_json(self, name: str) -> Any:
        """`param(name)` decoded as JSON (`sys_date`, `sys_number`, secureimage carry JSON in a
        string); the raw string if it is not JSON; None if absent."""
        value = self.param(name)
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def context(self, name: str) -> Context | None:
        """The request context named `name`, if the block sent it."""
        for ctx in self.contexts:
            if ctx.name == name:
                return ctx
        return None

    def secure_images(self, name: str) -> list[str]:
        """URLs of the images a user sent through the `sys.plugin.secureimage` param `name`.

        Looks in `action.params`, then `action.detailParams`, then every context's
        `params[name].resolvedValue` (then `.value`); see `decode_secure_urls`. [] if none.
        """
        candidates: list[Any] = [self.action.params.get(name)]
        detail = self.action.detail_params.get(name)
        if detail is not None:
            candidates.append(detail.value)
        for ctx in self.contexts:
            cp = ctx.params.get(name)
            if cp is not None:
                candidates.extend((cp.resolved_value, cp.value))
        for candidate in candidates:
            urls = decode_secure_urls(candidate)
            if urls:
                return urls
        return []


_NOT_JSON = "요청을 읽을 수 없어요. JSON 형식이 아니에요."
_NOT_PAYLOAD = "카카오 i 오픈빌더 스킬 요청 형식이 아니에요."
_NO_USER = "사용자 정보가 없는 요청이에요."


def _error_from(exc: ValidationError) -> SkillPayloadError:
    """Turn pydantic's first error into a precise English reason plus a Korean message."""
    err = exc.errors(include_url=False, include_input=False)[0]
    kind, loc = err["type"], ".".join(str(p) for p in err["loc"])
    if kind == "json_invalid":
        return SkillPayloadError(f"body is not valid JSON ({err['msg']})", _NOT_JSON)
    if not err["loc"] and kind in ("model_type", "model_attributes_type", "dict_type"):
        return SkillPayloadError("body is not a JSON object", _NOT_PAYLOAD)
    if loc.startswith("userRequest.user") or loc.startswith("user_request.user"):
        return SkillPayloadError(f"bad {loc}: {err['msg']}", _NO_USER)
    if kind == "missing" and loc in ("userRequest", "user_request"):
        return SkillPayloadError("missing userRequest", _NOT_PAYLOAD)
    return SkillPayloadError(f"bad {loc or 'body'}: {err['msg']}", _NOT_PAYLOAD)


def parse_skill_payload(body: bytes | str | dict[str, Any]) -> SkillPayload:
    """Parse one SkillPayload from a raw request body (bytes/str of JSON) or an already decoded dict.

    Raises `SkillPayloadError` for: an empty body, a body over `MAX_PAYLOAD_BYTES`, non-JSON or
    truncated JSON, JSON that is not an object, a missing `userRequest`, a missing/empty/over-70-char
    `userRequest.user.id`, or a known key of the wrong shape. Unknown keys never raise.
    Source: GB-FMT §SkillPayload.
    """
    try:
        if isinstance(body, dict):
            return SkillPayload.model_validate(body)
        if isinstance(body, bytes | bytearray | str):
            # Size first: a huge body is refused in O(1), before any parsing.
            if len(body) > MAX_PAYLOAD_BYTES:
                raise SkillPayloadError(f"body larger than {MAX_PAYLOAD_BYTES} bytes", _NOT_PAYLOAD)
            if not body:
                raise SkillPayloadError("empty body", _NOT_PAYLOAD)
            return SkillPayload.model_validate_json(body)
    except ValidationError as exc:
        raise _error_from(exc) from None
    raise SkillPayloadError(f"body of type {type(body).__name__} is not a JSON object", _NOT_PAYLOAD)
