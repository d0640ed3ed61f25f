"""API tokens: the service, the `users token` command and the profile page."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.checkin.models import ApiToken
from app.checkin.tokens import create_token, revoke_token, tokens_of, user_for_token
from app.units.models import Role

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _works(client, token: str) -> bool:
    response = client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 401)
    return response.status_code == 200


def test_only_the_hash_of_a_token_is_kept(db, make_unit, make_user):
    user = make_user(make_unit(), Role.CHECKIN_STAFF)
    row, token = create_token(user, "  Điện thoại   cổng chính ")
    db.session.commit()
    assert TOKEN.fullmatch(token)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.name == "Điện thoại cổng chính"
    assert user_for_token(token) == user
    assert user_for_token(token + "x") is None
    assert user_for_token("") is None
    revoke_token(row)
    db.session.commit()
    assert user_for_token(token) is None
    assert tokens_of(user) == [row]


def test_the_users_token_command_prints_a_working_token(app, client, db, make_unit, make_user):
    user = make_user(make_unit(), Role.ORGANISER, email="to.chuc@example.vn")
    result = app.test_cli_runner().invoke(args=["users", "token", "To.Chuc@Example.vn"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert TOKEN.fullmatch(token)
    assert _works(client, token)
    assert db.session.scalar(select(ApiToken.user_id)) == user.id


def test_the_users_token_command_refuses_unknown_and_inactive_accounts(
    app, db, make_unit, make_user
):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "token", "nobody@example.vn"])
    assert result.exit_code != 0 and "nobody@example.vn" in result.output
    make_user(make_unit(), email="old@example.vn", active=False)
    result = runner.invoke(args=["users", "token", "old@example.vn"])
    assert result.exit_code != 0
    assert db.session.scalar(select(ApiToken)) is None


def test_the_profile_page_needs_a_signed_in_user(client):
    response = client.get("/account/api-tokens")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_user_creates_a_token_shown_once_and_revokes_it(client, auth, db, make_unit, make_user):
    user = make_user(make_unit(), Role.CHECKIN_STAFF)
    auth.login(user)
    assert client.get("/account/api-tokens").status_code == 200

    response = client.post("/account/api-tokens", data={"name": "Máy quét cổng chính"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    token = re.search(r'id="new-api-token"[^>]*>([^<]+)<', html).group(1)
    assert TOKEN.fullmatch(token)
    assert "Máy quét cổng chính" in html
    assert _works(client, token)

    html = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Máy quét cổng chính" in html
    assert token not in html and 'id="new-api-token"' not in html

    row = db.session.scalar(select(ApiToken))
    response = client.post(f"/account/api-tokens/{row.id}/revoke")
    assert response.status_code == 303
    assert not _works(client, token)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None


def test_a_token_needs_a_name(client, auth, db, make_unit, make_user):
    auth.login(make_user(make_unit()))
    response = client.post("/account/api-tokens", data={"name": ""})
    assert response.status_code == 422
    assert 'id="new-api-token"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_users_see_and_revoke_only_their_own_tokens(client, auth, db, make_unit, make_user):
    unit = make_unit()
    owner, other = make_user(unit), make_user(unit)
    row, token = create_token(owner, "Token của chủ")
    db.session.commit()
    auth.login(other)
    assert "Token của chủ" not in client.get("/account/api-tokens").get_data(as_text=True)
    assert client.post(f"/account/api-tokens/{row.id}/revoke").status_code == 404
    assert client.post("/account/api-tokens/999999/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None
    assert _works(client, token)


def test_revoking_needs_the_forms_csrf_token(client, auth, db, make_unit, make_user):
    user = make_user(make_unit())
    row, _token = create_token(user, "Máy quét")
    db.session.commit()
    auth.login(user)
    assert client.post(f"/account/api-tokens/{row.id}/revoke", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None
