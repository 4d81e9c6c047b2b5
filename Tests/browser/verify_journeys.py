"""Browser journeys of the verifier page (/verify) in headless Chromium, with axe-core checks.

Run by scripts/browser-tests, which starts `vita serve` and passes VITA_BASE_URL, VITA_ADMIN_KEY, VITA_BIN
(the vita executable, for `vita bake`), VITA_WORK_DIR (a temporary folder) and VITA_SCREENSHOTS.
Prints one line per journey and a closing "N passed, N failed"; exits 1 if any journey failed.
"""
import importlib.util
import json
import os
import signal
import struct
import subprocess
import sys
import traceback
import urllib.parse
import urllib.request
import zlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["VITA_BASE_URL"]
ADMIN_KEY = os.environ["VITA_ADMIN_KEY"]
VITA = os.environ["VITA_BIN"]
WORK = os.environ["VITA_WORK_DIR"]
SCREENSHOTS = os.environ["VITA_SCREENSHOTS"]
DESKTOP = (1024, 900)
PHONE = (390, 844)
# Bounds on waiting, so that a server that stops answering fails a journey instead of hanging the run: one HTTP call or
# CLI command, and one whole journey.
HTTP_TIMEOUT = 60
JOURNEY_LIMIT = 300


# --- seeding through the API ------------------------------------------------------------------------------------

def api(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + ADMIN_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return json.load(response)


def issue_credential():
    """An organization with a signing key issues an Open Badge; returns the signed credential."""
    organization = api("POST", "/api/v1/organizations", {"name": "Riverside University", "kind": "university"})
    api("POST", f"/api/v1/organizations/{organization['id']}/keys")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Algorithms and Data Structures", "validFrom": "2026-01-15T09:00:00Z",
        "issuer": {"type": ["Profile"], "name": "Riverside University"},
        "credentialSubject": {
            "id": "did:example:ada", "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://riverside.example/achievements/cs-230", "type": ["Achievement"],
                "name": "Algorithms and Data Structures", "achievementType": "Course",
                "description": "Designed, analysed and implemented classic algorithms and data structures.",
                "criteria": {"narrative": "Passed the CS-230 final examination with at least 60%."},
                "alignment": [{"type": ["Alignment"], "targetName": "Computational thinking",
                               "targetUrl": "https://riverside.example/frameworks/cs#ct", "targetFramework": "Riverside CS"}],
            },
        },
    }
    issued = api("POST", "/credentials/issue", {"credential": credential, "options": {"organizationId": organization["id"]}})
    return issued["verifiableCredential"]


def png(width, height, rgb):
    """A plain RGB PNG (the badge image to bake into, and a 'random' PNG with no credential)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


# --- the browser ------------------------------------------------------------------------------------------------

def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def axe_script():
    """axe-core's axe.min.js as shipped in the axe-playwright-python wheel (the package itself is not imported)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    with open(os.path.join(spec.submodule_search_locations[0], "axe.min.js"), encoding="utf-8") as f:
        return f.read()


AXE = axe_script()
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
axe_summary = {}


def check_accessibility(driver, page):
    """axe-core (WCAG 2.0/2.1 A and AA rules, best practices) in the page: no serious or critical violation."""
    driver.execute_script(AXE)
    results = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length})),"
        " passes: r.passes.length, version: r.testEngine.version}), e => done({error: String(e)}));", AXE_RULES)
    assert "error" not in results, f"{page}: axe failed: {results.get('error')}"
    bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page}: axe violations: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in bad)
    axe_summary[page] = (results["passes"], [f"{v['id']} ({v['impact']})" for v in results["violations"]], results["version"])


def screenshot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, name))


def open_form(driver):
    driver.get(BASE + "/verify")
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "credential")))


def submit(driver):
    driver.find_element(By.CSS_SELECTOR, "form.verify-form button[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#verdict, #problem")))


def paste(driver, text):
    box = driver.find_element(By.ID, "credential")
    box.clear()
    box.send_keys(text)


def verdict(driver):
    element = driver.find_element(By.ID, "verdict")
    return element.get_attribute("data-verdict"), element.text


def check_outcome(driver, name):
    return driver.find_element(By.CSS_SELECTOR, f"table.checks tr[data-check='{name}']").get_attribute("data-outcome")


# --- journeys ---------------------------------------------------------------------------------------------------

def journey_form(driver, _):
    """The empty form: keyboard users reach the skip link first, and the page passes axe."""
    open_form(driver)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip", "the first Tab reaches the skip link"
    assert driver.find_element(By.CSS_SELECTOR, "label[for=credential]").text
    check_accessibility(driver, "/verify")
    driver.find_element(By.TAG_NAME, "h1").click()
    screenshot(driver, "verify-form.png")


def journey_genuine(driver, signed):
    """A verifier pastes a credential Vita issued: genuine and current, every check listed, the content laid out."""
    open_form(driver)
    paste(driver, json.dumps(signed))
    submit(driver)
    kind, text = verdict(driver)
    assert kind == "genuine", f"verdict {kind}: {text}"
    assert "This credential is genuine and current." in text
    assert check_outcome(driver, "proof") == "pass"
    assert check_outcome(driver, "status") == "pass"
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Algorithms and Data Structures" in body and "Riverside University" in body
    assert "Computational thinking" in body and "15 January 2026" in body
    check_accessibility(driver, "/verify (genuine)")
    screenshot(driver, "verify-genuine.png")
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.ID, "content-heading"))
    screenshot(driver, "verify-content.png")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.set_window_size(*PHONE)
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        "no horizontal scrolling on a phone"
    check_accessibility(driver, "/verify (genuine, phone)")
    screenshot(driver, "verify-phone.png")
    driver.set_window_size(*DESKTOP)


def journey_tampered(driver, signed):
    """A credential changed after signing: tampered, the proof check failed."""
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Algorithms (with distinction)"
    open_form(driver)
    paste(driver, json.dumps(tampered))
    submit(driver)
    kind, text = verdict(driver)
    assert kind == "tampered", f"verdict {kind}: {text}"
    assert "This credential has been tampered with" in text
    assert check_outcome(driver, "proof") == "fail"
    check_accessibility(driver, "/verify (tampered)")
    screenshot(driver, "verify-tampered.png")


def journey_baked_png(driver, signed):
    """A baked PNG badge (made by `vita bake`) uploaded as a file: genuine, read from the image."""
    credential = write("credential.json", json.dumps(signed).encode())
    image = write("badge.png", png(96, 96, (31, 95, 139)))
    baked = os.path.join(WORK, "baked.png")
    subprocess.run([VITA, "bake", credential, "--image", image, "--output", baked], check=True, capture_output=True, timeout=HTTP_TIMEOUT)
    open_form(driver)
    driver.find_element(By.ID, "file").send_keys(baked)
    submit(driver)
    kind, text = verdict(driver)
    assert kind == "genuine", f"verdict {kind}: {text}"
    reason = driver.find_element(By.CSS_SELECTOR, "table.checks tr[data-check='format'] td.reason").text
    assert "baked PNG" in reason, reason
    check_accessibility(driver, "/verify (baked PNG)")


def journey_garbage(driver, _):
    """Garbage, an image without a credential, and a 10 MB file: a helpful message on the page each time."""
    open_form(driver)
    paste(driver, "hello, is this my badge?")
    submit(driver)
    message = driver.find_element(By.ID, "problem").text
    assert "This is not a credential we can read" in message, message
    assert driver.find_element(By.ID, "credential").get_attribute("value") == "hello, is this my badge?"
    check_accessibility(driver, "/verify (garbage)")
    screenshot(driver, "verify-problem.png")

    open_form(driver)
    driver.find_element(By.ID, "file").send_keys(write("photo.png", png(8, 8, (200, 30, 30))))
    submit(driver)
    message = driver.find_element(By.ID, "problem").text
    assert "This image has no credential baked into it" in message, message

    open_form(driver)
    driver.find_element(By.ID, "file").send_keys(write("huge.json", b" " * (10 * 1024 * 1024)))
    submit(driver)
    message = driver.find_element(By.ID, "problem").text
    assert "The file is too large (10 MB)" in message, message

    open_form(driver)
    submit(driver)
    assert "Nothing was submitted" in driver.find_element(By.ID, "problem").text


def journey_ask_wallet(driver, signed):
    """A verifier asks a wallet app for credentials: the request page waits with its QR code, then shows what came."""
    open_form(driver)
    driver.find_element(By.CSS_SELECTOR, "#credentialType option[value=OpenBadgeCredential]").click()
    driver.find_element(By.ID, "reason").send_keys("Application for the nursing programme")
    driver.find_element(By.CSS_SELECTOR, "form[action='/verify/request'] button[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "request-link")))
    assert "/verify/requests/vpv_" in driver.current_url
    link = driver.find_element(By.ID, "request-link").get_attribute("href")
    assert link.startswith("https://lcw.app/request.html?request="), link
    assert not driver.find_elements(By.CSS_SELECTOR, "meta[http-equiv=refresh]"), "no timed reload (WCAG 2.2.1)"
    assert driver.find_element(By.ID, "check-again").get_attribute("href") == driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "img.qr").get_attribute("alt")
    check_accessibility(driver, "/verify/requests (waiting)")
    screenshot(driver, "verify-ask-waiting.png")

    # The wallet app's side: the invitation in the link, {} for the request, then a presentation of the badge.
    invitation = json.loads(urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["request"][0])
    exchange = invitation["protocols"]["vcapi"].replace(invitation["credentialRequestOrigin"], BASE)
    def post(body):
        request = urllib.request.Request(exchange, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return json.load(response)
    asked = post({})["verifiablePresentationRequest"]
    assert asked["query"][0]["credentialQuery"]["reason"] == "Application for the nursing programme"
    post({"verifiablePresentation": {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                     "type": ["VerifiablePresentation"], "verifiableCredential": [signed]}})
    driver.find_element(By.ID, "check-again").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "holder")))
    assert "not bound to this request" in driver.find_element(By.ID, "holder").text, "an unsigned presentation says so"
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Algorithms and Data Structures" in body
    assert driver.find_element(By.CSS_SELECTOR, "section.presented [data-verdict]").get_attribute("data-verdict").startswith("genuine")
    check_accessibility(driver, "/verify/requests (received)")
    screenshot(driver, "verify-ask-received.png")


def journey_ask_openid4vp_wallet(driver, _):
    """A verifier asks an OpenID4VP wallet app: the page shows the openid4vp:// request, then the wallet's refusal."""
    open_form(driver)
    driver.find_element(By.ID, "ask-protocol-openid4vp").click()
    driver.find_element(By.CSS_SELECTOR, "form[action='/verify/request'] button[type=submit]").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "request-link")))
    link = driver.find_element(By.ID, "request-link").get_attribute("href")
    assert link.startswith("openid4vp://?"), link
    assert driver.find_element(By.ID, "request-link").text == "Open in the wallet app"
    check_accessibility(driver, "/verify/requests (waiting, OpenID4VP)")

    # The wallet app's side: the request by value; the person declines, and the wallet says so at the Response URI.
    parameters = {name: values[0] for name, values in urllib.parse.parse_qs(urllib.parse.urlsplit(link).query).items()}
    assert parameters["client_id"] == "redirect_uri:" + parameters["response_uri"]
    assert json.loads(parameters["dcql_query"])["credentials"][0]["format"] == "ldp_vc"
    form = urllib.parse.urlencode({"error": "access_denied", "state": parameters["state"]}).encode()
    request = urllib.request.Request(BASE + "/oid4vp/response", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        assert json.load(response) == {}
    driver.find_element(By.ID, "check-again").click()
    WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "declined")))
    assert "the person declined" in driver.find_element(By.ID, "declined").text
    check_accessibility(driver, "/verify/requests (declined)")


JOURNEYS = [journey_form, journey_genuine, journey_tampered, journey_baked_png, journey_garbage, journey_ask_wallet,
            journey_ask_openid4vp_wallet]


def run_journeys(journeys, *arguments, after=None):
    """Runs each journey in one browser (reporting a failure and going on), then `after(driver)` if all passed;
    prints the accessibility summary and the count; returns the exit status."""
    driver = browser()
    passed = failed = 0

    def overran(*_):
        raise TimeoutError(f"the journey took longer than {JOURNEY_LIMIT} s")

    signal.signal(signal.SIGALRM, overran)
    try:
        for journey in journeys:
            name = journey.__name__.removeprefix("journey_")
            signal.alarm(JOURNEY_LIMIT)
            try:
                journey(driver, *arguments)
                passed += 1
                print(f"ok    {name}: {journey.__doc__.splitlines()[0]}", flush=True)
            except Exception:  # report and go on with the next journey
                failed += 1
                print(f"FAIL  {name}")
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
            finally:
                signal.alarm(0)
        if after and not failed:
            after(driver)
    finally:
        driver.quit()
    for page, (passes, minor, version) in axe_summary.items():
        print(f"axe-core {version} on {page}: {passes} rules pass; other violations: {', '.join(minor) or 'none'}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    return run_journeys(JOURNEYS, issue_credential())

if __name__ == "__main__":
    sys.exit(main())
