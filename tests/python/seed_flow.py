"""The seed flow through FusionAuth's official Python client (PyPI `fusionauth-client`).

Run by tests/it/python_client.rs against a daemon it started; reads the daemon's URL, API key,
application id and console outbox path from the environment. Exits non-zero on the first
mismatch, printing what it saw.
"""

import json
import os
import sys

from fusionauth.fusionauth_client import FusionAuthClient

URL = os.environ["TWOFOLD_URL"]
KEY = os.environ["TWOFOLD_API_KEY"]
APP = os.environ["TWOFOLD_APPLICATION_ID"]
OUTBOX = os.environ["TWOFOLD_OUTBOX"]


def check(label, condition, response):
    if not condition:
        print(f"FAILED {label}: status {response.status}, success {getattr(response, 'success_response', None)}, "
              f"error {getattr(response, 'error_response', None)}")
        sys.exit(1)
    print(f"ok {label}")


def last_code(phone):
    with open(OUTBOX, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return [m for m in lines if m["to"] == phone][-1]["body"].split()[0]


client = FusionAuthClient(KEY, URL)
phone = "+12025550150"
r = client.register({"user": {"email": "py@example.com", "password": "correct horse",
                              "twoFactor": {"methods": [{"method": "sms", "mobilePhone": phone}]}},
                     "registration": {"applicationId": APP}})
check("register", r.was_successful() and r.status == 200, r)
user_id = r.success_response["user"]["id"]

r = client.retrieve_user_by_email("py@example.com")
check("retrieve by e-mail", r.status == 200 and r.success_response["user"]["id"] == user_id, r)

r = client.login({"loginId": "py@example.com", "password": "wrong", "applicationId": APP})
check("wrong password is 404 with no body", r.status == 404 and r.error_response is None, r)

r = client.login({"loginId": "py@example.com", "password": "correct horse", "applicationId": APP})
check("password gives 242, which the client counts as success", r.status == 242 and r.was_successful(), r)
two_factor_id = r.success_response["twoFactorId"]
method_id = r.success_response["methods"][0]["id"]
code = last_code(phone)

r = client.two_factor_login({"twoFactorId": two_factor_id, "code": "000000" if code != "000000" else "111111"})
check("wrong code is 421", r.status == 421, r)

r = client.send_two_factor_code_for_login_using_method(two_factor_id, {"methodId": method_id})
check("resend inside the cooldown is a quiet 200", r.status == 200, r)

r = client.two_factor_login({"twoFactorId": two_factor_id, "code": code, "applicationId": APP})
check("the code gives 200 with a token", r.status == 200 and "token" in r.success_response, r)
token = r.success_response["token"]
refresh_token = r.success_response["refreshToken"]

r = client.validate_jwt(token)
check("validate", r.status == 200 and "sms" in r.success_response["jwt"]["amr"], r)

r = client.exchange_refresh_token_for_jwt({"refreshToken": refresh_token})
check("refresh", r.status == 200 and r.success_response["refreshToken"] != refresh_token, r)

r = client.logout(False, r.success_response["refreshToken"])
check("logout", r.status == 200, r)

r = client.generate_two_factor_secret()
check("authenticator secret", r.status == 200 and len(r.success_response["secret"]) == 20, r)

r = client.retrieve_two_factor_status(user_id, APP, "not-a-trust-id")
check("two-factor status without trust is 242", r.status == 242, r)

r = client.delete_user(user_id)
check("hard delete", r.status == 200, r)
r = client.retrieve_user(user_id)
check("gone", r.status == 404, r)
