"""Check the Swagger UI in a real headless browser, as a person would use it, and save a screenshot.

Starts its own server (gunicorn, DEBUG off, a throwaway SQLite database with the bundled catalog), opens
/api/docs/ in Debian's chromium driven by Playwright, and checks that the page renders, that every tag of the
schema is listed, that Authorize takes a JWT, and that "Try it out" on GET /api/users/me/ then answers 200
with the caller's profile. Writes docs/swagger-ui.png (and docs/swagger-ui-authorized.png).

    make screenshot          # needs: apt-get install chromium; pip install -r requirements-browser.txt

Traffic goes to 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import free_port, manage, server_env, start_gunicorn, stop_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # 127.0.0.1 only
        return json.loads(response.read())


def main() -> int:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="swagger-") as tmp:
        env = server_env(database_url=None, redis=None, tmp=tmp, prefix="swagger")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo_catalog")
        port = free_port()
        server = start_gunicorn(env, port, workers=1)
        base = f"http://127.0.0.1:{port}"
        try:
            _post(
                f"{base}/api/auth/register/",
                {"email": "swagger@example.com", "password": "a-long-pass-phrase-9", "name": "Swagger"},
            )
            access = _post(
                f"{base}/api/auth/login/", {"email": "swagger@example.com", "password": "a-long-pass-phrase-9"}
            )["access"]
            with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=10) as response:
                tags = [t["name"] for t in json.loads(response.read())["tags"]]

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 1600})
                page.goto(f"{base}/api/docs/", timeout=30_000)
                page.wait_for_selector(".opblock-tag", timeout=30_000)
                shown = page.locator(".opblock-tag").all_inner_texts()
                missing = [t for t in tags if not any(s.strip().lower().startswith(t.lower()) for s in shown)]
                print(f"tags in schema: {tags}; missing from the page: {missing or 'none'}")
                page.screenshot(path=str(ROOT / "docs" / "swagger-ui.png"), full_page=False)

                page.click("button.authorize")
                page.fill(".auth-container input[type=text]", access)
                page.click(".auth-btn-wrapper button.authorize")
                page.click("button.btn-done")
                locked = (
                    page.locator("button.authorize.locked").count() > 0
                    or page.locator(".authorize .locked").count() > 0
                )

                operation = page.locator("#operations-users-api_users_me_retrieve")
                operation.locator(".opblock-summary").click()
                operation.locator("button.try-out__btn").click()
                operation.locator("button.execute").click()
                live_status = operation.locator(".live-responses-table tr.response .response-col_status").first
                live_status.wait_for(timeout=15_000)
                status = live_status.inner_text().strip()
                body = operation.locator(".live-responses-table .microlight").first.inner_text()
                page.screenshot(path=str(ROOT / "docs" / "swagger-ui-authorized.png"), full_page=False)
                browser.close()
            print(f"authorize locked: {locked}; GET /api/users/me/ from the page: {status}")
            ok = not missing and locked and status == "200" and "swagger@example.com" in body
            print("swagger ui check: " + ("ok" if ok else "FAILED"))
            return 0 if ok else 1
        finally:
            stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
