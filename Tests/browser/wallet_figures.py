"""Figures of the wallet against a running `vita serve`: the home page of a learner with 1 000 records.

Usage (scripts/browser-tests runs it after the journeys): VITA_BASE_URL=… VITA_ADMIN_KEY=… python wallet_figures.py [N] [R]
Sets up, through the API, a learner with R records (1 000 by default: a quarter each affiliations, competency
assertions, credential records and employment, written by a connected system) and a wallet account, signs in as a
browser does, then measures over N sequential requests on loopback (median and 95th percentile) the time to first
byte of GET /wallet (profile, names, every value's source links) and of the other pages, and the page weight of
the home page (HTML + stylesheet + logo, uncompressed).
"""
import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse

BASE = urllib.parse.urlparse(os.environ["VITA_BASE_URL"])
ADMIN_KEY = os.environ["VITA_ADMIN_KEY"]


def request(method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=120)
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    first_byte = time.perf_counter() - start
    data = response.read()
    connection.close()
    return response, data, first_byte


def api(method, path, body=None, key=ADMIN_KEY):
    """An API call; waits out the server's per-caller rate limit (429 with Retry-After) and tries again, 20 times at most."""
    for _ in range(20):
        response, data, _ = request(method, path, json.dumps(body) if body is not None else None,
                                    {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        if response.status != 429:
            break
        time.sleep(float(response.getheader("Retry-After") or 1))
    assert response.status < 300, f"{method} {path}: {response.status} {data[:300]!r}"
    return json.loads(data) if data else None


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed(count):
    organization = api("POST", "/api/v1/organizations", {"name": "Thousand Records College", "kind": "university"})["id"]
    system = api("POST", "/api/v1/systems", {"organizationId": organization, "name": "Bulk registry", "kind": "sis"})
    key = system["apiKey"]
    api("POST", "/api/v1/agreements", {
        "providerOrganizationId": organization, "consumerSystemId": system["system"]["id"],
        "categories": ["affiliations", "competencies", "credentials", "employment"], "permissions": ["read", "write"],
        "purpose": "Figures", "consentRequired": False, "status": "active"})
    learner = api("POST", "/api/v1/learners", {"name": {"display": "Grace Figures"}, "organizationId": organization})["id"]
    competencies = [api("POST", "/api/v1/competencies", {"name": f"Skill {n}", "organizationId": organization})["id"]
                    for n in range(10)]
    for n in range(count):
        year = 2000 + n % 25
        category, record = [
            ("affiliations", {"organizationId": organization, "role": "student", "title": f"Course {n}",
                              "startDate": f"{year}-09-01", "endDate": f"{year + 1}-06-30"}),
            ("competencies", {"competencyId": competencies[n % 10], "organizationId": organization, "level": 1 + n % 5,
                              "levelMaximum": 5, "evidence": [{"url": f"https://portfolio.example/{n}"}]}),
            ("credentials", {"organizationId": organization, "kind": "certificate", "title": f"Certificate {n}",
                             "awardedDate": f"{year}-07-01"}),
            ("employment", {"organizationId": organization, "title": f"Job {n}", "startDate": f"{year}-01-01",
                            "endDate": f"{year}-12-31"}),
        ][n % 4]
        api("POST", f"/api/v1/learners/{learner}/{category}",
            {"record": record, "provenance": {"sourceRecordId": f"figures-{n}"}}, key=key)
    api("POST", f"/api/v1/learners/{learner}/account", {"login": "grace.figures", "password": "figures password 1000"})
    return learner


def sign_in():
    response, html, _ = request("GET", "/wallet/sign-in")
    csrf = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html.decode()).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "login": "grace.figures", "password": "figures password 1000"})
    response, _, _ = request("POST", "/wallet/sign-in", body, {"Cookie": csrf, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 303, response.status
    session = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if c.startswith("vita_wallet=")][0]
    return f"{csrf}; {session}"


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    started = time.perf_counter()
    learner = seed(count)
    print(f"wallet figures: a learner with {count} records set up through the API in {time.perf_counter() - started:.1f} s")
    cookies = sign_in()
    _, css, _ = request("GET", "/static/vita.css")
    _, logo, _ = request("GET", "/logo.svg")
    times = []
    for _ in range(rounds):
        _, profile, ttfb = request("GET", f"/api/v1/learners/{learner}/profile", headers={"Authorization": "Bearer " + ADMIN_KEY})
        times.append(ttfb * 1000)
    print(f"for comparison, the profile API alone (GET /api/v1/learners/{{id}}/profile, {len(profile)} bytes of JSON): "
          f"median {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")
    for path in ("/wallet", "/wallet?all=1", "/wallet/credentials", "/wallet/collections", "/wallet/access"):
        times = []
        for _ in range(rounds):
            response, page, ttfb = request("GET", path, headers={"Cookie": cookies})
            assert response.status == 200, (path, response.status)
            times.append(ttfb * 1000)
        if path.startswith("/wallet") and path.count("/") == 1:
            links = page.count(b'class="source"')
            print(f"page weight of {path} with {count} records: {len(page) + len(css) + len(logo)} bytes "
                  f"(HTML {len(page)}, {links} source links; stylesheet {len(css)}, logo {len(logo)}; no scripts)")
        print(f"time to first byte, GET {path} ({count} records): median {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 0.95):.1f} ms over {rounds} requests (HTML {len(page)} bytes)")


if __name__ == "__main__":
    main()
