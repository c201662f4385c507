"""A real hub process answers over HTTP, serves a real Chromium and stops cleanly."""

import signal

from tests.conftest import HubProcess, wait_for


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


def test_ctrl_c_stops_the_hub_without_a_traceback(tmp_path):
    """Ctrl+C (SIGINT) on `make run` stops the hub cleanly: exit status 0, no traceback on the console."""
    hub = HubProcess(tmp_path / "data").start()
    try:
        hub.proc.send_signal(signal.SIGINT)
        assert hub.proc.wait(15) == 0, hub.log()
    finally:
        hub.kill()
    assert "Traceback" not in hub.log() and "KeyboardInterrupt" not in hub.log(), hub.log()
