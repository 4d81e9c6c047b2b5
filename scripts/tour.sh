#!/usr/bin/env bash
# The README's tour as a script: creates an organization, a connected system, agreements and a learner,
# writes two records and reads the profile. Usage: scripts/tour.sh ADMIN_KEY [BASE_URL]
set -euo pipefail
ADMIN_KEY=${1:?usage: scripts/tour.sh ADMIN_KEY [BASE_URL]}
BASE=${2:-http://127.0.0.1:8080}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
admin() { curl -sS -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }

ORG=$(admin -X POST "$BASE/api/v1/organizations" \
  -d '{"name":"Riverside University","kind":"university","identifiers":[{"scheme":"ipeds","value":"123456"}]}' | json '["id"]')
SYSTEM=$(admin -X POST "$BASE/api/v1/systems" -d "{\"organizationId\":\"$ORG\",\"name\":\"Registrar SIS\",\"kind\":\"sis\"}")
SYSTEM_ID=$(echo "$SYSTEM" | json '["system"]["id"]')
SYSTEM_KEY=$(echo "$SYSTEM" | json '["apiKey"]')
admin -X POST "$BASE/api/v1/agreements" -d "{\"providerOrganizationId\":\"$ORG\",\"consumerSystemId\":\"$SYSTEM_ID\",
  \"categories\":[\"affiliations\",\"experiences\",\"credentials\"],\"permissions\":[\"read\",\"write\"],
  \"purpose\":\"Registrar records sync\",\"consentRequired\":false,\"status\":\"active\"}" > /dev/null
admin -X POST "$BASE/api/v1/agreements" -d "{\"providerOrganizationId\":\"$ORG\",\"consumerSystemId\":\"$SYSTEM_ID\",
  \"categories\":[\"profile\"],\"permissions\":[\"read\"],\"purpose\":\"Advising\",\"consentRequired\":false,\"status\":\"active\"}" > /dev/null

sys() { curl -sS -H "Authorization: Bearer $SYSTEM_KEY" -H 'Content-Type: application/json' "$@"; }
LEARNER=$(sys -X POST "$BASE/api/v1/learners" \
  -d '{"name":{"given":"Ada","family":"Lovelace","display":"Ada Lovelace"},"identifiers":[{"scheme":"institutional","value":"S-1001"}]}' | json '["id"]')
sys -X POST "$BASE/api/v1/learners/$LEARNER/affiliations" -H 'Idempotency-Key: enrol-S-1001' \
  -d "{\"record\":{\"organizationId\":\"$ORG\",\"role\":\"student\",\"title\":\"BSc Computer Science\",\"startDate\":\"2023-09-01\"},
       \"provenance\":{\"sourceRecordId\":\"enrolment-77\",\"rawDataURI\":\"sis://enrolments/77\"}}" > /dev/null
sys -X POST "$BASE/api/v1/learners/$LEARNER/experiences" \
  -d "{\"record\":{\"organizationId\":\"$ORG\",\"kind\":\"course\",\"title\":\"Algorithms\",\"code\":\"CS-201\",\"status\":\"completed\",
       \"startDate\":\"2024-01-15\",\"endDate\":\"2024-05-10\",\"credits\":4,\"result\":{\"grade\":\"A\"}},
       \"provenance\":{\"sourceRecordId\":\"course-result-9\"}}" > /dev/null
sys "$BASE/api/v1/learners/$LEARNER/profile"
echo
