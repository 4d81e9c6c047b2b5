"""Figures of the verifier page against a running `vita serve`: page weight and time to first byte.

Usage (scripts/browser-tests runs it after the journeys): VITA_BASE_URL=… VITA_ADMIN_KEY=… python web_figures.py [N]
Page weight: the bytes of GET /verify (HTML) plus the stylesheet and the logo it loads, uncompressed. Time to first
byte: from sending the request to the first response byte, over N sequential requests on loopback (median and
95th percentile): GET /verify, and POST /verify of a 1.7 KB Open Badge (which includes verifying it).
"""
import http.client
import json
import os
import re
import statistics
import sys
import time
import urllib.parse
import uuid

BASE = urllib.parse.urlparse(os.environ["VITA_BASE_URL"])
ADMIN_KEY = os.environ["VITA_ADMIN_KEY"]


def request(method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=30)
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    first_byte = time.perf_counter() - start  # status line and headers read: the first bytes have arrived
    data = response.read()
    connection.close()
    return response, data, first_byte


def api(method, path, body=None):
    response, data, _ = request(method, path, json.dumps(body) if body is not None else None,
                                {"Authorization": "Bearer " + ADMIN_KEY, "Content-Type": "application/json"})
    return json.loads(data)


def multipart(fields):
    boundary = "----vita-figures-" + uuid.uuid4().hex
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
                   for name, value in fields.items()) + f"--{boundary}--\r\n"
    return body.encode(), "multipart/form-data; boundary=" + boundary


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    response, html, _ = request("GET", "/verify")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html.decode()).group(1)
    _, css, _ = request("GET", "/static/vita.css")
    _, logo, _ = request("GET", "/logo.svg")
    print(f"page weight of /verify: {len(html) + len(css) + len(logo)} bytes "
          f"(HTML {len(html)}, stylesheet {len(css)}, logo {len(logo)}; no scripts, no fonts)")

    organization = api("POST", "/api/v1/organizations", {"name": "Figures College", "kind": "university"})
    api("POST", f"/api/v1/organizations/{organization['id']}/keys")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Statistics", "validFrom": "2026-01-01T00:00:00Z",
        "issuer": {"type": ["Profile"], "name": "Figures College"},
        "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"],
                              "achievement": {"id": "https://figures.example/a/1", "type": ["Achievement"], "name": "Statistics",
                                              "description": "Completed the course", "criteria": {"narrative": "Pass"}}},
    }
    signed = api("POST", "/credentials/issue", {"credential": credential, "options": {"organizationId": organization["id"]}})
    text = json.dumps(signed["verifiableCredential"])

    gets, posts = [], []
    for _ in range(rounds):
        _, _, ttfb = request("GET", "/verify", headers={"Cookie": cookie})
        gets.append(ttfb * 1000)
        body, content_type = multipart({"csrf_token": token, "credential": text})
        _, page, ttfb = request("POST", "/verify", body, {"Cookie": cookie, "Content-Type": content_type})
        assert b'data-verdict="genuine"' in page
        posts.append(ttfb * 1000)
    print(f"page weight of the result page (POST /verify, genuine): {len(page) + len(css) + len(logo)} bytes (HTML {len(page)})")
    for label, values in (("GET /verify", gets), (f"POST /verify ({len(text)} B credential)", posts)):
        print(f"time to first byte, {label}: median {statistics.median(values):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms over {rounds} requests")


if __name__ == "__main__":
    main()
