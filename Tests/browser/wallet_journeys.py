"""Browser journeys of the learner wallet (/wallet) and the share page (/s/{token}) in headless Chromium, with axe-core.

Run by scripts/browser-tests after verify_journeys.py, against the same `vita serve` (VITA_BASE_URL, VITA_ADMIN_KEY,
VITA_SCREENSHOTS). A learner is set up through the admin and system APIs: an organization with a signing key, a
connected system under an agreement that needs the learner's consent, the learner (held by the organization) with
the consent, records written by the system, an achievement and an Open Badge issued from a credential record, and a
learner account. Then, in the browser: the learner signs in, reads the profile and a record's provenance, checks a
credential, makes a collection, shares it with a passcode, and the link verifies in a second browser without
cookies; the learner withdraws the consent on the access page and the system's next read is denied (403); a verifier's
OpenID4VP request pasted on /wallet/present is read (who asks, the badge offered) and answered, and an OpenID4VCI
offer pasted on /wallet/receive is claimed with its code (the server itself is the verifier and the issuer).
Prints one line per journey and "N passed, N failed"; exits 1 if any journey failed.
"""
import json
import os
import sys
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from verify_journeys import DESKTOP, HTTP_TIMEOUT, PHONE, browser, check_accessibility, run_journeys, screenshot

BASE = os.environ["VITA_BASE_URL"]
ADMIN_KEY = os.environ["VITA_ADMIN_KEY"]
LOGIN = "ada.wallet"
PASSWORD = "correct horse battery staple"
PASSCODE = "tulip-42"


# --- seeding through the API ------------------------------------------------------------------------------------

def call(method, path, body=None, key=ADMIN_KEY):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        text = response.read()
        return response.status, (json.loads(text) if text else None)


def api(method, path, body=None, key=ADMIN_KEY):
    return call(method, path, body, key)[1]


def status_of(method, path, key):
    """The status of a call (an HTTP error's code instead of raising)."""
    try:
        return call(method, path, key=key)[0]
    except urllib.error.HTTPError as error:
        return error.code


def seed():
    organization = api("POST", "/api/v1/organizations", {"name": "Northfield College", "kind": "university"})["id"]
    api("POST", f"/api/v1/organizations/{organization}/keys")
    created = api("POST", "/api/v1/systems", {"organizationId": organization, "name": "Registry", "kind": "sis"})
    system_key = created["apiKey"]
    agreement = api("POST", "/api/v1/agreements", {
        "providerOrganizationId": organization, "consumerSystemId": created["system"]["id"],
        "categories": ["affiliations", "experiences", "competencies", "credentials", "employment"],
        "permissions": ["read", "write"], "purpose": "Student records", "consentRequired": True, "status": "active"})["id"]
    learner = api("POST", "/api/v1/learners", {
        "name": {"given": "Ada", "family": "Lovelace", "display": "Ada Lovelace"}, "organizationId": organization,
        "identifiers": [{"scheme": "email", "value": "ada@northfield.example"}]})["id"]
    api("POST", f"/api/v1/learners/{learner}/consents", {"agreementId": agreement})
    competency = api("POST", "/api/v1/competencies", {"name": "Statistical analysis", "organizationId": organization,
                                                      "framework": "Northfield Skills"})["id"]
    records = {}
    for category, record in [
        ("affiliations", {"organizationId": organization, "role": "student", "title": "BSc Mathematics student",
                          "startDate": "2022-09-01", "endDate": "2025-06-30"}),
        ("competencies", {"competencyId": competency, "organizationId": organization, "level": 4, "levelMaximum": 5,
                          "evidence": [{"url": "https://portfolio.example/ada/regression"}]}),
        ("credentials", {"organizationId": organization, "kind": "degree", "title": "BSc Mathematics",
                         "awardedDate": "2025-07-01"}),
        ("employment", {"organizationId": organization, "title": "Research assistant", "startDate": "2025-09-01"}),
    ]:
        records[category] = api("POST", f"/api/v1/learners/{learner}/{category}",
                                {"record": record, "provenance": {"sourceRecordId": f"{category}-ada"}}, key=system_key)["id"]
    achievement = api("POST", "/api/v1/achievements", {
        "organizationId": organization, "name": "BSc Mathematics", "description": "Bachelor of Science in Mathematics",
        "criteriaNarrative": "Complete 180 credits", "achievementType": "BachelorDegree"})["id"]
    badge = api("POST", f"/api/v1/learners/{learner}/credentials/{records['credentials']}/badges",
                {"achievementId": achievement}, key=system_key)["id"]
    api("POST", f"/api/v1/learners/{learner}/account", {"login": LOGIN, "password": PASSWORD})
    return {"learner": learner, "system_key": system_key, "records": records, "badge": badge}


# --- helpers -----------------------------------------------------------------------------------------------------

def wait_for(driver, css, timeout=20):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def main_text(driver):
    return driver.find_element(By.TAG_NAME, "main").text


def sign_in(driver):
    driver.get(BASE + "/wallet")
    wait_for(driver, "form.sign-in")
    driver.find_element(By.ID, "login").send_keys(LOGIN)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.sign-in button[type=submit]").click()
    wait_for(driver, "nav.wallet-nav")


# --- journeys ----------------------------------------------------------------------------------------------------

def journey_sign_in(driver, world, state):
    """the learner signs in and reads the profile: timeline, credentials, competencies, employment, with sources"""
    driver.get(BASE + "/wallet")
    assert driver.current_url.endswith("/wallet/sign-in"), driver.current_url
    wait_for(driver, "form.sign-in")
    check_accessibility(driver, "/wallet/sign-in")
    sign_in(driver)
    text = main_text(driver)
    for expected in ("Ada Lovelace", "BSc Mathematics student", "Northfield College", "BSc Mathematics",
                     "Statistical analysis (Northfield Skills)", "4 of 5", "Research assistant"):
        assert expected in text, f"{expected!r} not on the home page"
    links = driver.find_elements(By.CSS_SELECTOR, "a.source")
    assert len(links) >= 4, f"{len(links)} source links"
    check_accessibility(driver, "/wallet")
    screenshot(driver, "wallet-home.png")


def journey_provenance(driver, world, state):
    """a profile value's source record shows who asserted it, when, and why its raw data could not be checked"""
    driver.find_element(By.CSS_SELECTOR, "a.source").click()
    outcome = wait_for(driver, "#digest-check")
    text = main_text(driver)
    assert "Registry (Northfield College)" in text, text
    assert outcome.get_attribute("data-outcome") == "not-checked", outcome.get_attribute("data-outcome")
    assert "could not be checked" in outcome.text, outcome.text
    check_accessibility(driver, "/wallet/records/{id}")
    screenshot(driver, "wallet-record.png")


def journey_credential(driver, world, state):
    """the credentials page checks the badge now; its page shows the content, every check and the downloads"""
    driver.get(BASE + "/wallet/credentials")
    card = wait_for(driver, f'[data-credential="{world["badge"]}"]')
    assert card.find_element(By.CSS_SELECTOR, "[data-verdict]").get_attribute("data-verdict") == "genuine", card.text
    check_accessibility(driver, "/wallet/credentials")
    card.find_element(By.TAG_NAME, "a").click()
    verdict = wait_for(driver, "#verdict")
    assert verdict.get_attribute("data-verdict") == "genuine", verdict.text
    assert "Bachelor of Science in Mathematics" in main_text(driver)
    hrefs = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "ul.downloads a")]
    assert any(h.endswith("/download/json") for h in hrefs) and any(h.endswith("/download/svg") for h in hrefs), hrefs
    check_accessibility(driver, "/wallet/credentials/{id}")
    screenshot(driver, "wallet-credential.png")


def journey_collection_share(driver, world, state):
    """a collection is made and shared with a passcode; the link, pasted on /verify, verifies in a second browser"""
    driver.get(BASE + "/wallet/collections")
    wait_for(driver, "form.collection-form")
    check_accessibility(driver, "/wallet/collections")
    driver.find_element(By.ID, "name").send_keys("For my data science application")
    driver.find_element(By.ID, "statement").send_keys("My degree and my research work.")
    driver.find_element(By.ID, f"item.issued.{world['badge']}").click()
    driver.find_element(By.ID, f"item.record.{world['records']['employment']}").click()
    driver.find_element(By.CSS_SELECTOR, "form.collection-form button[type=submit]").click()
    wait_for(driver, "form.share-form")
    assert "The collection was made." in main_text(driver)
    state["collection"] = driver.current_url.split("?")[0]
    select = driver.find_element(By.ID, "expiresInDays")
    select.find_element(By.CSS_SELECTOR, "option[value='7']").click()
    driver.find_element(By.ID, "passcode").send_keys(PASSCODE)
    driver.find_element(By.CSS_SELECTOR, "form.share-form button[type=submit]").click()
    link = wait_for(driver, "#share-url")
    url = link.get_attribute("href")
    assert "/s/vsh_" in url, url
    assert driver.find_element(By.CSS_SELECTOR, "img.qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    check_accessibility(driver, "/wallet/collections/{id} (share made)")
    screenshot(driver, "wallet-share.png")

    stranger = browser()  # a second browser context: no cookies, no session
    try:
        # The verifier pastes the link on /verify, which sends them to the share page.
        stranger.get(BASE + "/verify")
        wait_for(stranger, "#credential").send_keys(url)
        stranger.find_element(By.CSS_SELECTOR, "form.verify-form button[type=submit]").click()
        wait_for(stranger, "form.passcode-form")
        assert "/s/vsh_" in stranger.current_url, stranger.current_url
        check_accessibility(stranger, "/s/{token} (passcode)")
        stranger.find_element(By.ID, "passcode").send_keys("wrong")
        stranger.find_element(By.CSS_SELECTOR, "form.passcode-form button[type=submit]").click()
        assert "That passcode is not right." in wait_for(stranger, "#problem").text
        stranger.find_element(By.ID, "passcode").send_keys(PASSCODE)
        stranger.find_element(By.CSS_SELECTOR, "form.passcode-form button[type=submit]").click()
        wait_for(stranger, "#share-intro")
        text = main_text(stranger)
        assert "Ada Lovelace shared these records with you" in text, text
        assert "For my data science application" in text and "Research assistant" in text, text
        verdicts = [e.get_attribute("data-verdict") for e in stranger.find_elements(By.CSS_SELECTOR, "[data-verdict]")]
        assert verdicts == ["genuine"], verdicts
        check_accessibility(stranger, "/s/{token}")
        screenshot(stranger, "wallet-shared.png")
    finally:
        stranger.quit()

    driver.get(state["collection"])
    share = wait_for(driver, "li.share")
    share.find_element(By.TAG_NAME, "summary").click()
    openings = share.text
    assert "shown" in openings and "refused: wrong or missing passcode" in openings, openings


def journey_consent(driver, world, state):
    """the learner withdraws the consent on the access page; the system's next read is denied (403)"""
    path = f"/api/v1/learners/{world['learner']}/employment"
    assert status_of("GET", path, world["system_key"]) == 200
    driver.get(BASE + "/wallet/access")
    consent = wait_for(driver, "li.consent")
    assert "Registry (Northfield College)" in consent.text and "Student records" in consent.text, consent.text
    check_accessibility(driver, "/wallet/access")
    screenshot(driver, "wallet-access.png")
    consent.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    notice = wait_for(driver, ".notice")
    assert "The consent was withdrawn" in notice.text, notice.text
    denied = status_of("GET", path, world["system_key"])
    assert denied == 403, f"the system's read answered {denied}"
    driver.get(BASE + "/wallet/access")
    log = wait_for(driver, "table.access-log").text
    assert "Denied" in log, log


def journey_phone(driver, world, state):
    """on a 390 px phone the wallet's pages need no horizontal scrolling, and pass axe"""
    driver.set_window_size(*PHONE)
    try:
        for path in ("/wallet", "/wallet/access", f"/wallet/credentials/{world['badge']}", state["collection"].removeprefix(BASE)):
            driver.get(BASE + path)
            wait_for(driver, "nav.wallet-nav")
            assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
                f"{path} scrolls sideways on a phone"
        check_accessibility(driver, "/wallet (phone)")
        driver.get(BASE + "/wallet")
        wait_for(driver, "nav.wallet-nav")
        screenshot(driver, "wallet-phone.png")
    finally:
        driver.set_window_size(*DESKTOP)


def journey_answer_verifier(driver, world, state):
    """a verifier's OpenID4VP request pasted in the wallet shows who asks and offers the badge; sending it is verified"""
    _, created = call("POST", "/api/v1/presentation-requests", {"protocol": "openid4vp", "credentialType": "OpenBadgeCredential"})
    driver.get(BASE + "/wallet/present")
    wait_for(driver, "textarea#request")
    check_accessibility(driver, "/wallet/present")
    driver.find_element(By.ID, "request").send_keys(created["offerURI"])
    driver.find_element(By.CSS_SELECTOR, "button[value=read]").click()
    heading = wait_for(driver, "#request-heading")
    assert heading.text == "127.0.0.1 asks for your credentials", heading.text
    assert "Vita cannot confirm who this is" in driver.find_element(By.CSS_SELECTOR, ".caution").text
    choice = driver.find_element(By.ID, "pick-0-0")
    assert choice.get_attribute("value") == world["badge"] and choice.is_selected()
    assert "BSc Mathematics — Northfield College" in main_text(driver)
    check_accessibility(driver, "/wallet/present (a request read)")
    screenshot(driver, "wallet-present.png")
    driver.find_element(By.CSS_SELECTOR, "button[value=send]").click()
    sent = wait_for(driver, "div.notice[role=status]")
    assert "Sent to 127.0.0.1: 1 credential." in sent.text, sent.text
    # The verifier's side: the presentation arrived, signed by the learner's holder key, and verified.
    _, answer = call("GET", "/api/v1/presentation-requests/" + created["viewToken"])
    assert answer["state"] == "received" and answer["result"]["verified"] is True, answer
    assert answer["result"]["holder"].startswith("did:key:z6Mk"), answer["result"]["holder"]
    driver.get(BASE + "/wallet/access")
    assert "presented credentials to a verifier" in wait_for(driver, "main").text


def journey_receive_offer(driver, world, state):
    """an issuer's OpenID4VCI offer pasted in the wallet is read, claimed with its code, and the credential is kept"""
    # The issuer here is this Vita itself: the learner's badge, offered as any issuer would, from its credential page.
    driver.get(BASE + f"/wallet/credentials/{world['badge']}")
    driver.find_element(By.CSS_SELECTOR, f"form[action='/wallet/credentials/{world['badge']}/offers'] button[type=submit]").click()
    link = wait_for(driver, "#offer-link").get_attribute("href")
    code = driver.find_element(By.ID, "transaction-code").text
    driver.get(BASE + "/wallet/credentials")
    driver.find_element(By.CSS_SELECTOR, "a[href='/wallet/receive']").click()
    wait_for(driver, "textarea#offer").send_keys(link)
    check_accessibility(driver, "/wallet/receive")
    driver.find_element(By.CSS_SELECTOR, "button[value=read]").click()
    heading = wait_for(driver, "#offer-heading")
    assert heading.text == "Vita (127.0.0.1) offers you", heading.text
    assert "Open Badge" in main_text(driver)
    check_accessibility(driver, "/wallet/receive (an offer read)")
    screenshot(driver, "wallet-receive.png")
    driver.find_element(By.ID, "transactionCode").send_keys("000000" if code != "000000" else "111111")
    driver.find_element(By.CSS_SELECTOR, "button[value=claim]").click()
    assert "invalid_grant" in wait_for(driver, "#problem").text
    driver.find_element(By.ID, "transactionCode").send_keys(code)
    driver.find_element(By.CSS_SELECTOR, "button[value=claim]").click()
    done = wait_for(driver, "div.notice[role=status]")
    assert "1 credential received from Vita" in done.text, done.text
    done.find_element(By.TAG_NAME, "a").click()
    verdict = wait_for(driver, "#verdict")
    assert verdict.get_attribute("data-verdict") == "genuine", verdict.text


def journey_data(driver, world, state):
    """the data page: a bad import is explained on the page; signing out ends the session"""
    driver.get(BASE + "/wallet/data")
    wait_for(driver, "form.import-form")
    check_accessibility(driver, "/wallet/data")
    driver.find_element(By.ID, "credential").send_keys("this is not a credential")
    driver.find_element(By.CSS_SELECTOR, "form.import-form button[type=submit]").click()
    assert "The credential was not imported." in wait_for(driver, "#problem").text
    driver.find_element(By.CSS_SELECTOR, "form.sign-out button[type=submit]").click()
    wait_for(driver, "form.sign-in")
    driver.get(BASE + "/wallet/credentials")
    assert driver.current_url.endswith("/wallet/sign-in?next=%2Fwallet%2Fcredentials"), driver.current_url


JOURNEYS = [journey_sign_in, journey_provenance, journey_credential, journey_collection_share, journey_consent, journey_phone,
            journey_answer_verifier, journey_receive_offer, journey_data]


def main():
    return run_journeys(JOURNEYS, seed(), {})

if __name__ == "__main__":
    sys.exit(main())
