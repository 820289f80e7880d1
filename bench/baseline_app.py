"""The bench floor: a bare Flask app with one POST endpoint and a small fixed SkillResponse.

Served by the project's gunicorn settings (`gunicorn -c gunicorn.conf.py bench.baseline_app:app`),
so `ratio_to_baseline` in bench/results.json is "how much of gunicorn + Flask's own throughput a
skill keeps". No DB, no Redis, no payload parsing, no logging: only reading the body and answering.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

app = Flask(__name__)
app.json.ensure_ascii = False  # type: ignore[attr-defined]  # same encoding as the real app

# About the size of the `welcome` answer: one simpleText and four message quickReplies.
_ANSWER = {
    "version": "2.0",
    "template": {
        "outputs": [
            {
                "simpleText": {
                    "text": "안녕하세요, 중계나라예요! 👋\n오늘의 핫딜을 모아 보여 드리고, "
                    "이웃과 중고 물건을 사고팔 수 있어요.\n아래 메뉴에서 골라 주세요."
                }
            }
        ],
        "quickReplies": [
            {"label": label, "action": "message", "messageText": label}
            for label in ("핫딜", "중고거래", "판매하기", "내 정보")
        ],
    },
}


@app.post("/skills/<name>")
def answer(name: str) -> Response:
    request.get_data(cache=False)  # read the body, as a real handler must
    return jsonify(_ANSWER)


@app.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")
