"""Browser journeys of the issuer console (/admin) in headless Chromium, with axe-core checks.

Run by scripts/browser-tests after the verifier journeys, with the same environment (VITA_BASE_URL, VITA_ADMIN_KEY,
VITA_BIN, VITA_WORK_DIR, VITA_SCREENSHOTS, and the server's storage settings so that `vita staff create` reaches the
same database). Seeds through the API and the CLI: an organization with a key and an achievement, a system that
registers learners with credential records, and an issuer created with `vita staff create` (password on stdin).
Prints one line per journey and "N passed, N failed"; exits 1 if any journey failed.
"""
import csv
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from verify_journeys import BASE, HTTP_TIMEOUT, VITA, WORK, check_accessibility, run_journeys, screenshot, write

ADMIN_KEY = os.environ["VITA_ADMIN_KEY"]
PASSWORD = "correct horse battery staple"
GOOD_ROWS = 190
BAD_ROWS = {  # line in the file -> what is wrong with it
    12: "unknown learner", 40: "wrong field count", 77: "unknown achievement", 101: "unknown record",
    130: "unknown learner", 150: "wrong field count", 160: "unknown achievement", 175: "unknown record",
    190: "unknown learner", 201: "wrong field count",
}


def call(method, path, body=None, key=ADMIN_KEY):
    """An API call; a 429 (the server's per-caller rate limit, met while seeding) is retried after its Retry-After."""
    data = json.dumps(body).encode() if body is not None else None
    for _ in range(20):
        request = urllib.request.Request(BASE + path, data=data, method=method,
                                         headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 429:
                raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()[:300]}") from None
            time.sleep(float(error.headers.get("Retry-After", "1")))
    raise AssertionError(f"{method} {path}: still rate limited")


def seed():
    """The organization, its achievement and GOOD_ROWS learners with a credential record each; an issuer from the CLI."""
    organization = call("POST", "/api/v1/organizations", {"name": "Lakeside College", "kind": "university"})
    org = organization["id"]
    call("POST", f"/api/v1/organizations/{org}/keys")
    achievement = call("POST", "/api/v1/achievements", {
        "organizationId": org, "name": "Diploma in Nursing", "description": "Two-year nursing diploma",
        "criteriaNarrative": "Complete the clinical placements and pass the final examination.",
        "achievementType": "Diploma"})
    system = call("POST", "/api/v1/systems", {"organizationId": org, "name": "Registry", "kind": "sis"})
    key = system["apiKey"]
    call("POST", "/api/v1/agreements", {
        "providerOrganizationId": org, "consumerSystemId": system["system"]["id"], "categories": ["credentials"],
        "permissions": ["read", "write"], "purpose": "Registry sync", "consentRequired": False, "status": "active"})
    records = []
    for index in range(GOOD_ROWS):
        learner = call("POST", "/api/v1/learners", {
            "name": {"display": f"Graduate {index}"}, "identifiers": [{"scheme": "email", "value": f"g{index}@lakeside.example"}]},
            key=key)
        record = call("POST", f"/api/v1/learners/{learner['id']}/credentials", {
            "record": {"organizationId": org, "kind": "diploma", "title": "Diploma in Nursing", "awardedDate": "2026-06-30"},
            "provenance": {"sourceRecordId": f"dip-{index}"}}, key=key)
        records.append((learner["id"], record["id"]))
    created = subprocess.run([VITA, "staff", "create", "--organization", org, "--login", "nora", "--role", "issuer",
                              "--display-name", "Nora Issuer"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=HTTP_TIMEOUT)
    assert created.returncode == 0, created.stderr
    return org, achievement["id"], records


def batch_file(achievement, records):
    """A 200-row CSV: GOOD_ROWS good rows with the bad ones at the lines BAD_ROWS names."""
    out = io.StringIO()
    out.write("learner_id,record_id,achievement_id\n")
    good = iter(records)
    for line in range(2, GOOD_ROWS + len(BAD_ROWS) + 2):
        problem = BAD_ROWS.get(line)
        learner, record = records[line % len(records)]
        if problem == "unknown learner":
            out.write(f"lrn_00000000000000000000000000,{record},{achievement}\n")
        elif problem == "wrong field count":
            out.write(f"{learner},{record}\n")
        elif problem == "unknown achievement":
            out.write(f"{learner},{record},ach_00000000000000000000000000\n")
        elif problem == "unknown record":
            out.write(f"{learner},rec_00000000000000000000000000,{achievement}\n")
        else:
            learner, record = next(good)
            out.write(f"{learner},{record},{achievement}\n")
    return write("graduates.csv", out.getvalue().encode())


def wait_for(driver, selector, seconds=20):
    return WebDriverWait(driver, seconds).until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))


def journey_sign_in(driver, world):
    """a staff issuer created by `vita staff create` signs in and sees what an issuer may do"""
    driver.get(BASE + "/admin")
    wait_for(driver, "#login")
    assert driver.current_url.endswith("/admin/sign-in"), driver.current_url
    check_accessibility(driver, "/admin/sign-in")
    screenshot(driver, "console-sign-in.png")
    driver.find_element(By.ID, "login").send_keys("nora")
    driver.find_element(By.ID, "password").send_keys("not the password")
    driver.find_element(By.CSS_SELECTOR, "form.sign-in button[type=submit]").click()
    assert "wrong" in wait_for(driver, "#problem").text
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.sign-in button[type=submit]").click()
    wait_for(driver, ".abilities")
    assert "Signed in as Nora Issuer, issuer at Lakeside College." in driver.page_source
    check_accessibility(driver, "/admin")
    screenshot(driver, "console-home.png")


def journey_bulk(driver, world):
    """an issuer uploads 200 rows with 10 bad ones, watches the progress bar finish and downloads the report"""
    org, achievement, records = world
    driver.get(BASE + "/admin/bulk")
    wait_for(driver, "#b-file")
    check_accessibility(driver, "/admin/bulk")
    driver.find_element(By.ID, "b-file").send_keys(batch_file(achievement, records))
    driver.find_element(By.CSS_SELECTOR, "form[action='/admin/bulk'] button[type=submit]").click()
    bar = wait_for(driver, "#job-progress")
    started = time.monotonic()
    seen = set()
    while time.monotonic() - started < 120:
        seen.add(int(float(bar.get_attribute("value") or 0)))
        if driver.find_element(By.ID, "job").get_attribute("data-finished") == "true":
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    summary = driver.find_element(By.ID, "job-summary").text
    assert summary == f"Finished: {GOOD_ROWS} issued and {len(BAD_ROWS)} rejected of {GOOD_ROWS + len(BAD_ROWS)} rows.", summary
    assert bar.get_attribute("max") == str(GOOD_ROWS + len(BAD_ROWS))
    assert driver.find_element(By.ID, "job-refresh").get_attribute("hidden") is not None, "the no-script link hides"
    print(f"      bulk issuance of {GOOD_ROWS + len(BAD_ROWS)} rows finished in the browser after {elapsed:.1f} s;"
          f" progress values seen: {len(seen)}")
    check_accessibility(driver, "/admin/bulk/{job}")
    screenshot(driver, "console-bulk-progress.png")
    link = driver.find_element(By.CSS_SELECTOR, "#job-report a").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(link, headers={"Cookie": cookies}), timeout=HTTP_TIMEOUT) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.read().decode())))
    assert rows[0] == ["line", "status", "credential_id_or_reason"], rows[0]
    rejected = {int(row[0]): row[2] for row in rows[1:] if row[1] == "rejected"}
    assert set(rejected) == set(BAD_ROWS), sorted(rejected)
    for line, problem in BAD_ROWS.items():
        expected = {"unknown learner": "no such learner", "wrong field count": "fields where the header has 3",
                    "unknown achievement": "no such achievement", "unknown record": "no such record"}[problem]
        assert expected in rejected[line], (line, rejected[line])
    assert sum(1 for row in rows[1:] if row[1] == "issued") == GOOD_ROWS


def journey_without_script(driver, world):
    """the job page works without JavaScript: the numbers and a refresh link are in the HTML"""
    org, achievement, records = world
    jobs = call("GET", f"/api/v1/organizations/{org}/issuance-jobs")["items"]
    page = urllib.request.urlopen(urllib.request.Request(
        BASE + f"/admin/bulk/{jobs[0]['id']}",
        headers={"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())}), timeout=HTTP_TIMEOUT).read().decode()
    assert "<progress id=\"job-progress\"" in page and "Finished:" in page and "<script>" not in page


def journey_credentials(driver, world):
    """the issuer finds an issued credential by search and revokes it"""
    org, achievement, records = world
    learner = records[3][0]
    driver.get(BASE + "/admin/credentials?search=" + learner)
    row = wait_for(driver, "tr[data-credential]")
    check_accessibility(driver, "/admin/credentials")
    screenshot(driver, "console-credentials.png")
    row.find_element(By.CSS_SELECTOR, "button[value=revoke]").click()
    assert "was revoked" in wait_for(driver, "#notice").text
    assert driver.find_elements(By.CSS_SELECTOR, ".status-revoked")


def journey_learner(driver, world):
    """the issuer sees the learners the organization holds a page at a time, finds some by name, then one by email
    address: the profile's credential links to its record, which links to its history and to the issue form filled in"""
    org, achievement, records = world
    learner, record = records[5]
    driver.find_element(By.LINK_TEXT, "Learners").click()
    held = wait_for(driver, "#learners-held")
    assert len(held.find_elements(By.TAG_NAME, "li")) == 50
    assert driver.find_element(By.LINK_TEXT, "Next page")
    check_accessibility(driver, "/admin/learners")
    wait_for(driver, "#learner-id").send_keys("GRADUATE 5")
    submit(driver, "form.lookup button[type=submit]")
    found = wait_for(driver, "#learners-found")
    names = [item.find_element(By.TAG_NAME, "a").text for item in found.find_elements(By.TAG_NAME, "li")]
    assert "Graduate 5" in names and "Graduate 57" in names and "Graduate 6" not in names, names
    check_accessibility(driver, "/admin/learners?learner={name}")
    found.find_element(By.LINK_TEXT, "Graduate 5").click()
    WebDriverWait(driver, 20).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Graduate 5"))
    driver.find_element(By.LINK_TEXT, "Learners").click()
    wait_for(driver, "#learner-id").send_keys("G5@lakeside.example")
    submit(driver, "form.lookup button[type=submit]")
    assert "Graduate 5" in wait_for(driver, "h1").text
    assert driver.find_element(By.CSS_SELECTOR, f"#learner-profile a[href='#{record}']").text == "Diploma in Nursing"
    check_accessibility(driver, "/admin/learners?learner={email}")
    screenshot(driver, "console-learner.png")
    driver.find_element(By.CSS_SELECTOR, f"tr[id='{record}']").find_element(By.LINK_TEXT, "Versions and what changed").click()
    assert "Record: Diploma in Nursing" in wait_for(driver, "h1").text
    assert driver.find_element(By.CSS_SELECTOR, "section h2").text == "Version 1 (current)"
    check_accessibility(driver, "/admin/learners/{learner}/credentials/{record}")
    driver.back()
    wait_for(driver, f"tr[id='{record}']").find_element(By.LINK_TEXT, "Issue a credential from this record").click()
    assert wait_for(driver, "#i-record").get_attribute("value") == record
    assert driver.find_element(By.ID, "i-learner").get_attribute("value") == learner


def journey_achievements(driver, world):
    """the issuer defines an achievement with a PNG image, then corrects its description on its page"""
    from verify_journeys import png
    driver.get(BASE + "/admin/achievements")
    wait_for(driver, "#a-name").send_keys("First Aid Certificate")
    driver.find_element(By.ID, "a-description").send_keys("Emergency first aid at work")
    driver.find_element(By.ID, "a-criteria").send_keys("Pass the practical assessment")
    driver.find_element(By.ID, "a-image").send_keys(write("badge.png", png(64, 64, (31, 95, 139))))
    driver.find_element(By.CSS_SELECTOR, "form[action='/admin/achievements'] button[type=submit]").click()
    assert "was created" in wait_for(driver, "#notice").text
    assert driver.find_elements(By.CSS_SELECTOR, ".achievement img[src^='data:image/png']")
    check_accessibility(driver, "/admin/achievements")
    screenshot(driver, "console-achievements.png")
    # Corrected on its page: the image stays, the description changes.
    driver.find_element(By.LINK_TEXT, "First Aid Certificate").click()
    description = wait_for(driver, "#a-description")
    check_accessibility(driver, "/admin/achievements/{id}")
    description.clear()
    description.send_keys("Emergency first aid at work, renewed every three years")
    driver.find_element(By.CSS_SELECTOR, "form[enctype] button[type=submit]").click()
    assert "was corrected" in wait_for(driver, "#notice").text
    assert "renewed every three years" in driver.find_element(By.ID, "achievement-description").text
    assert driver.find_elements(By.CSS_SELECTOR, "dl.facts img[src^='data:image/png']")


def case_package():
    """A CASE package of two levels, its document's date-time without a zone (one deviation from CASE 1.1)."""
    document = "7a1c0e52-1d2e-4c3b-8a2f-5e6d7c8b9a01"
    items = [("NUR.1", "Assess a patient's needs", None), ("NUR.1.2", "Take vital signs", "NUR.1"),
             ("NUR.1.10", "Record observations", "NUR.1"), ("NUR.2", "Administer medication safely", None)]
    ident = {code: f"00000000-0000-4000-8000-{n:012d}" for n, (code, _, _) in enumerate(items, 1)}
    return {
        "CFDocument": {"identifier": document, "uri": f"https://case.lakeside.example/{document}", "creator": "Lakeside College",
                       "title": "Lakeside Nursing Competencies", "lastChangeDateTime": "2026-09-01T12:00:00"},
        "CFItems": [{"identifier": ident[code], "uri": f"https://case.lakeside.example/{ident[code]}", "fullStatement": text,
                     "humanCodingScheme": code, "lastChangeDateTime": "2026-09-01T12:00:00Z"} for code, text, _ in items],
        "CFAssociations": [{"identifier": f"a0000000-0000-4000-8000-{n:012d}", "associationType": "isChildOf",
                            "uri": f"https://case.lakeside.example/a{n}", "lastChangeDateTime": "2026-09-01T12:00:00Z",
                            "originNodeURI": {"title": code, "identifier": ident[code], "uri": "https://case.lakeside.example/o"},
                            "destinationNodeURI": {"title": "parent", "identifier": ident[parent] if parent else document,
                                                   "uri": "https://case.lakeside.example/d"}}
                           for n, (code, _, parent) in enumerate(items, 1)],
    }


def journey_frameworks(driver, world):
    """the issuer imports a CASE framework file, reads where it deviates from CASE 1.1, and opens its items as a tree"""
    driver.get(BASE + "/admin/frameworks")
    wait_for(driver, "#f-package").send_keys(write("framework.json", json.dumps(case_package()).encode()))
    submit(driver, "form[action='/admin/frameworks'] button[type=submit]")
    notice = wait_for(driver, "#notice").text
    assert "4 new, 0 updated, 0 retired, 0 unchanged" in notice, notice
    assert "/CFDocument/lastChangeDateTime" in driver.find_element(By.CSS_SELECTOR, "details.deviations").text
    check_accessibility(driver, "/admin/frameworks")
    screenshot(driver, "console-frameworks.png")
    driver.find_element(By.LINK_TEXT, "Lakeside Nursing Competencies").click()
    tree = wait_for(driver, ".framework-items").text
    assert tree.index("NUR.1.2") < tree.index("NUR.1.10") < tree.index("NUR.2"), tree
    assert driver.find_elements(By.CSS_SELECTOR, ".framework-items li li")
    check_accessibility(driver, "/admin/frameworks/{id}")
    screenshot(driver, "console-framework.png")


def journey_keys_and_systems(driver, world):
    """the issuer reads the organization's keys and DIDs, and its systems and agreements"""
    driver.get(BASE + "/admin/keys")
    assert "Ed25519" in wait_for(driver, "table.checks tbody").text
    check_accessibility(driver, "/admin/keys")
    driver.get(BASE + "/admin/systems")
    assert "Registry sync" in wait_for(driver, "tr[data-agreement]").text
    check_accessibility(driver, "/admin/systems")
    screenshot(driver, "console-systems.png")


def status(method, path, key):
    """The HTTP status of an API call made with `key`."""
    request = urllib.request.Request(BASE + path, method=method, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def submit(driver, button):
    """Clicks the submit button `button` (a CSS selector) and waits for the next page to replace this one."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, button).click()

    def replaced(_):
        # Mid-navigation Chromium may answer "node does not belong to the document" instead of a stale reference:
        # both mean the old page is gone (EC.staleness_of only knows the second).
        try:
            page.is_enabled()
            return False
        except WebDriverException:
            return True
    WebDriverWait(driver, 20).until(replaced)


def journey_agreements(driver, world):
    """an organization administrator adds the organization's web domain and website on its page, registers a system
    (its key shown once), creates an agreement that needs each learner's consent and activates it, records a learner's
    consent (the system then reads) and withdraws it (the system's next read is denied)"""
    org, achievement, records = world
    created = subprocess.run([VITA, "staff", "create", "--organization", org, "--login", "ada", "--role", "admin",
                              "--display-name", "Ada Admin"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=HTTP_TIMEOUT)
    assert created.returncode == 0, created.stderr
    driver.get(BASE + "/admin")
    driver.find_element(By.CSS_SELECTOR, "form.sign-out button:not([name])").click()
    wait_for(driver, "#login").send_keys("ada")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.sign-in button[type=submit]").click()
    wait_for(driver, ".abilities")
    # The organization's page: its web domain added as an identifier in an empty row.
    driver.find_element(By.LINK_TEXT, "Organization").click()
    Select(wait_for(driver, "#scheme-0")).select_by_value("domain")
    driver.find_element(By.ID, "value-0").send_keys("lakeside.example")
    driver.find_element(By.ID, "org-url").send_keys("https://lakeside.example")
    submit(driver, "#organization-form button[type=submit]")
    assert "saved as shown" in wait_for(driver, "#notice").text
    assert "Web domain: lakeside.example" in driver.find_element(By.ID, "organization-identifiers").text
    assert driver.find_element(By.ID, "organization-url").text == "https://lakeside.example"
    check_accessibility(driver, "/admin/organization")
    screenshot(driver, "console-organization.png")
    driver.get(BASE + "/admin/systems")
    wait_for(driver, "#sys-name").send_keys("Placement Portal")
    Select(driver.find_element(By.ID, "sys-kind")).select_by_value("lms")
    submit(driver, "form[action='/admin/systems'] button[type=submit]")
    key = wait_for(driver, "#created-key").get_attribute("value")
    system = next(row.get_attribute("data-system") for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-system]")
                  if "Placement Portal" in row.text)
    check_accessibility(driver, "/admin/systems (key shown)")
    # The system's page: where its change notifications go (the signing secret shown once).
    driver.find_element(By.CSS_SELECTOR, f"tr[data-system='{system}'] th a").click()
    wait_for(driver, "#notification-none")
    assert "Placement Portal" in driver.find_element(By.TAG_NAME, "h1").text
    check_accessibility(driver, "/admin/systems/{id}")
    driver.find_element(By.ID, "notification-new-url").send_keys("https://placement.example/hooks/vita")
    submit(driver, "form[action$='/notifications'] button[type=submit]")
    assert "Change notifications now go to" in wait_for(driver, "#notice").text
    assert wait_for(driver, "#created-secret").get_attribute("value").startswith("vns_")
    assert driver.find_element(By.ID, "notification-url").text == "https://placement.example/hooks/vita"
    check_accessibility(driver, "/admin/systems/{id} (secret shown)")
    driver.get(BASE + "/admin/systems")
    driver.find_element(By.ID, "agr-purpose").send_keys("Clinical placement matching")
    driver.find_element(By.ID, "agr-consumer").send_keys(system)
    for box in ("category_credentials", "permission_read", "agr-consent"):
        driver.find_element(By.ID, box).click()
    submit(driver, "form[action='/admin/agreements'] button[type=submit]")
    assert "The agreement was created." in wait_for(driver, "#notice").text
    assert driver.find_element(By.ID, "agreement-status").text == "Draft"
    Select(driver.find_element(By.ID, "agr-next")).select_by_value("active")
    submit(driver, "form:has(input[name=version]) button[type=submit]")
    assert "The agreement was changed." in wait_for(driver, "#notice").text
    assert driver.find_element(By.ID, "agreement-status").text == "Active"
    learner = records[0][0]
    read = f"/api/v1/learners/{learner}/credentials"
    assert status("GET", read, key) == 403, "no consent yet"
    driver.find_element(By.ID, "consent-learner").send_keys(learner)
    submit(driver, "form[action$='/consents'] button[type=submit]")
    assert "was recorded" in wait_for(driver, "#notice").text
    assert status("GET", read, key) == 200, "the recorded consent lets the system read"
    check_accessibility(driver, "/admin/agreements/{id}")
    screenshot(driver, "console-agreement.png")
    submit(driver, "tr[data-consent] form button[type=submit]")
    assert "was withdrawn" in wait_for(driver, "#notice").text
    assert status("GET", read, key) == 403, "the withdrawn consent denies the next read"


def journey_auditor(driver, world):
    """the administrator signs out everywhere; an auditor reads the organization's audit log and verifies the chain

    The auditor is made by `vita staff create` with the password in VITA_STAFF_PASSWORD, and is not offered issuing."""
    org, achievement, records = world
    created = subprocess.run([VITA, "staff", "create", "--organization", org, "--login", "otto", "--role", "auditor"],
                             env={**os.environ, "VITA_STAFF_PASSWORD": PASSWORD}, capture_output=True, text=True, timeout=HTTP_TIMEOUT)
    assert created.returncode == 0, created.stderr
    driver.get(BASE + "/admin")
    driver.find_element(By.CSS_SELECTOR, "form.sign-out button[name=everywhere]").click()
    assert "You are signed out." in wait_for(driver, ".notice").text
    driver.find_element(By.ID, "login").send_keys("otto")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.sign-in button[type=submit]").click()
    wait_for(driver, ".abilities")
    assert not driver.find_elements(By.CSS_SELECTOR, "a[href='/admin/bulk']"), "an auditor is not offered bulk issuance"
    driver.get(BASE + "/admin/audit")
    wait_for(driver, "form[action='/admin/audit/verify'] button").click()
    result = wait_for(driver, "#chain-result").text
    assert result.startswith("The audit log is intact: all "), result
    actors = {cell.text.split(":")[0] for cell in driver.find_elements(By.CSS_SELECTOR, "td.mono")}
    assert actors and actors <= {"system", "staff"}, f"only the organization's systems and staff: {actors}"
    check_accessibility(driver, "/admin/audit")
    screenshot(driver, "console-audit.png")


JOURNEYS = [journey_sign_in, journey_bulk, journey_without_script, journey_credentials, journey_learner,
            journey_achievements, journey_frameworks, journey_keys_and_systems, journey_agreements, journey_auditor]


def figures(driver):
    """Page weight of the job page and time to first byte of console pages, signed in (printed, not asserted)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())

    def fetch(path):
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(BASE + path, headers={"Cookie": cookies}), timeout=HTTP_TIMEOUT) as response:
            response.read(1)
            first = time.perf_counter() - started
            return first, 1 + len(response.read())

    jobs = call("GET", f"/api/v1/organizations/{FIGURE_ORG[0]}/issuance-jobs")["items"]
    job_page = f"/admin/bulk/{jobs[-1]['id']}"
    weight = sum(fetch(path)[1] for path in (job_page, "/static/vita.css", "/static/console.js", "/logo.svg"))
    print(f"figure: job page weight {weight} B (HTML {fetch(job_page)[1]} + stylesheet + console.js + logo)")
    for path in ("/admin", "/admin/credentials", job_page + "/progress"):
        times = sorted(fetch(path)[0] * 1000 for _ in range(30))
        print(f"figure: time to first byte of {path.replace(jobs[-1]['id'], '{job}')}: median {times[15]:.1f} ms,"
              f" p95 {times[28]:.1f} ms (30 requests)")
    # Let this address's rate-limit bucket (50/s, burst 100) refill for the figures script that runs next.
    time.sleep(3)


FIGURE_ORG = []


def main():
    world = seed()
    FIGURE_ORG.append(world[0])
    return run_journeys(JOURNEYS, world, after=figures)

if __name__ == "__main__":
    sys.exit(main())
