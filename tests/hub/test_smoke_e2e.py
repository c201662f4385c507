"""A real hub process answers over HTTP and serves a real Chromium."""

from tests.conftest import wait_for


def test_hub_issues_and_calls(hub):
    """A ticket issued over HTTP can be called by a logged-in officer."""
    ticket = hub.issue("A")
    assert ticket["number"] == "A001"
    token = hub.login()
    status, body = hub.request("POST", "/api/counters/1/call-next", token=token)
    assert status == 200 and body["ticket"]["number"] == "A001" and body["ticket"]["status"] == "called"


def test_chromium_reaches_the_hub(hub, browser):
    """Headless Chromium loads the hub's state endpoint."""
    page = browser.new_page()
    page.goto(hub.url + "/api/health")
    wait_for(lambda: '"status":"ok"' in page.content(), what="health JSON in the page")
    page.close()
