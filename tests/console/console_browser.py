"""Drives the review console in a real headless Chromium (Debian's chromium +
chromium-driver, python3-selenium) against a running case service.

  console_browser.py --url http://127.0.0.1:PORT --account ACCT
      --reviewer alice:PASSWORD --senior sam:PASSWORD [--timing-case ID]

Steps (each prints one "ok ..." line; any failure raises and exits 1):
  1. alice logs in and finds the case of ACCT in the queue;
  2. the case page shows the FREEZE decision's evidence (detector, reason,
     evidence values, the hold placed);
  3. alice moves it to INVESTIGATING and requests the release;
  4. alice approving her own request is refused with a clear message;
  5. sam (senior reviewer) logs in and approves: the case is RELEASED;
  6. with --timing-case: loads that case page 100 times and prints
     "page_load_ms p50=... p99=..." (time until every decision is rendered).
"""

import argparse
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait


# Decisions per page on the case page (pipeline/console/static/app.js).
PAGE = 100


def browser():
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                            options=options)


class Console:
    def __init__(self, driver, url):
        self.d = driver
        self.url = url.rstrip("/")
        self.wait = WebDriverWait(driver, 20)

    def visible(self, element_id):
        return self.wait.until(EC.visibility_of_element_located((By.ID, element_id)))

    def login(self, user, password):
        self.d.get(self.url + "/")
        self.visible("login-user").send_keys(user)
        self.d.find_element(By.ID, "login-password").send_keys(password)
        self.d.find_element(By.ID, "login-submit").click()
        self.visible("queue")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "whoami"), user))

    def logout(self):
        self.d.find_element(By.ID, "logout").click()
        self.visible("login")

    def open_case_of(self, account):
        self.d.get(self.url + "/#/cases")
        self.visible("queue")
        field = self.d.find_element(By.ID, "filter-account")
        field.clear()
        field.send_keys(account)
        self.d.find_element(By.ID, "filter-apply").click()
        self.wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, "#queue-table tbody tr[data-case-id]")))
        case_id = self.d.execute_script(
            "return document.querySelector('#queue-table tbody tr[data-case-id]')"
            ".getAttribute('data-case-id')")
        self.d.execute_script(
            "document.querySelector('#queue-table tbody tr[data-case-id]').click()")
        self.visible("case")
        self.wait.until(EC.text_to_be_present_in_element((By.ID, "case-id"), "#" + case_id))
        return case_id

    def state(self):
        return self.d.execute_script("return document.getElementById('case-state').textContent")

    def message(self):
        return self.d.execute_script("""
            const m = document.getElementById('message');
            return m.classList.contains('hidden') ? '' : m.textContent;""")

    def act(self, button_id, note, to_state=None):
        before = self.fact("Version")
        if to_state:
            Select(self.d.find_element(By.ID, "action-state")).select_by_value(to_state)
        self.d.find_element(By.ID, "action-note").send_keys(note)
        self.d.find_element(By.ID, button_id).click()
        # Either the page re-renders with a new version, or an error shows.
        self.wait.until(lambda d: self.fact("Version") != before or
                        (self.message() and self.message() != "Done."))
        return self.message()

    def lookup_fact(self, name):
        return self.fact(name, "#lookup-facts")

    def fact(self, name, facts="#case-facts"):
        # Read in the page in one go: the view re-renders asynchronously, so
        # element handles can go stale between two calls.
        return self.d.execute_script("""
            const items = document.querySelectorAll(arguments[0] + ' dt, ' + arguments[0] + ' dd');
            for (let i = 0; i + 1 < items.length; i += 2) {
              if (items[i].textContent === arguments[1]) return items[i + 1].textContent;
            }
            return null;""", facts, name)


def check_after(c, event):
    """The search box finds an event in no case at riskflowd: its decision
    and whether its account is held."""
    box = c.d.find_element(By.ID, "search-q")
    box.clear()
    box.send_keys(event)
    c.d.find_element(By.ID, "search-submit").click()
    c.visible("lookup")
    c.wait.until(lambda d: c.lookup_fact("Account held") not in (None, "\u2026"))
    route = c.lookup_fact("Route")
    held = c.lookup_fact("Account held")
    reasons = c.lookup_fact("Reasons") or ""
    if route == "FREEZE" or "ACCOUNT_HELD" in reasons or held != "no":
        raise AssertionError("after the release %s is route=%s reasons=%s held=%s"
                             % (event, route, reasons, held))
    print("ok 6 after the release %s routes %s, account held: %s" % (event, route, held))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--account", required=True)
    p.add_argument("--reviewer", required=True)
    p.add_argument("--senior", required=True)
    p.add_argument("--timing-case")
    p.add_argument("--timing-decisions", type=int, default=0)
    p.add_argument("--loads", type=int, default=100)
    p.add_argument("--after-event",
                   help="CHANNEL/EVENT: only check, through the look-up view, "
                        "that this event was not held")
    a = p.parse_args()
    reviewer, reviewer_pw = a.reviewer.split(":", 1)
    senior, senior_pw = a.senior.split(":", 1)

    d = browser()
    try:
        c = Console(d, a.url)
        c.login(reviewer, reviewer_pw)
        print("ok 1 %s logged in" % reviewer)
        if a.after_event:
            check_after(c, a.after_event)
            return

        case_id = c.open_case_of(a.account)
        decisions = d.find_element(By.ID, "decisions").text
        for expected in ("FREEZE", "velocity_extreme", "VELOCITY", "HOLD_PLACED"):
            if expected not in decisions:
                raise AssertionError("evidence lacks %r:\n%s" % (expected, decisions))
        if "=" not in d.find_element(By.CSS_SELECTOR, "#decisions .evidence").text:
            raise AssertionError("no evidence values shown")
        print("ok 2 case %s shows the FREEZE evidence" % case_id)
        # riskflow-cases fetches the account's recent events from riskflowd
        # shortly after the case opens; reload until they show.
        deadline = time.time() + 30
        while not d.find_elements(By.CSS_SELECTOR, "#recent-events tr[data-event-id]"):
            if time.time() > deadline:
                raise AssertionError("no recent events from the log: %s" %
                                     d.find_element(By.ID, "recent-events").text)
            time.sleep(0.5)
            c.open_case_of(a.account)
        print("ok 2b the case shows the account's recent events from the log (%d rows)" %
              len(d.find_elements(By.CSS_SELECTOR, "#recent-events tr[data-event-id]")))

        err = c.act("action-submit", "looking at it", to_state="INVESTIGATING")
        if c.state() != "INVESTIGATING":
            raise AssertionError("transition failed: %s" % err)
        err = c.act("request-release", "customer confirmed the payouts")
        if c.fact("Release requested by") != reviewer:
            raise AssertionError("release request not recorded: %s" % err)
        print("ok 3 %s moved the case to INVESTIGATING and requested release" % reviewer)

        err = c.act("approve-release", "approving my own request")
        if "different" not in err and "same" not in err:
            raise AssertionError("self-approval not refused clearly: %r" % err)
        if c.state() == "RELEASED":
            raise AssertionError("self-approval released the case")
        print("ok 4 self-approval refused: %s" % err)

        c.logout()
        c.login(senior, senior_pw)
        c.open_case_of(a.account)
        err = c.act("approve-release", "second pair of eyes: fine")
        c.wait.until(EC.text_to_be_present_in_element((By.ID, "case-state"), "RELEASED"))
        print("ok 5 %s approved; case %s is RELEASED" % (senior, case_id))

        if a.timing_case:
            times = []
            for _ in range(a.loads):
                d.get("about:blank")
                start = time.perf_counter()
                d.get(a.url + "/#/case/" + a.timing_case)
                # The page renders the first page of decisions (100) and
                # the chart of all of them.
                WebDriverWait(d, 60).until(
                    lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#decisions .decision"))
                    >= min(a.timing_decisions, PAGE)
                    and ("of %d" % a.timing_decisions) in
                    drv.find_element(By.ID, "decisions-range").get_attribute("textContent"))
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
            print("page_load_ms decisions=%d page=%d loads=%d p50=%.1f p99=%.1f" %
                  (a.timing_decisions, PAGE, len(times), statistics.median(times), p99))
            if a.timing_decisions > PAGE:
                d.find_element(By.ID, "decisions-next").click()
                want = "Decisions %d–%d of %d" % (PAGE + 1, min(2 * PAGE, a.timing_decisions),
                                                  a.timing_decisions)
                c.wait.until(EC.text_to_be_present_in_element((By.ID, "decisions-range"), want))
                shown = len(d.find_elements(By.CSS_SELECTOR, "#decisions .decision"))
                if shown != min(PAGE, a.timing_decisions - PAGE):
                    raise AssertionError("page 2 shows %d decisions" % shown)
                print("ok 6 the case's decisions are paged: %s" % want)
    finally:
        d.quit()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the shell test, then the trace
        print("FAIL: %s" % e)
        raise
