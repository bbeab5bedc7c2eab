#!/usr/bin/env bash
# etcd's JSON gateway, called with curl as a user would: every call's response body and HTTP
# status, in blocks that begin "### name". Run against a fresh cluster (revisions start at 1):
#   gateway-calls.sh http://127.0.0.1:2379
# GatewayCompatIT runs it against a real etcd and raftkv and compares the blocks after masking
# what differs between any two clusters (ids, versions, sizes, tokens, hashes).
set -u
ep=${1:?usage: gateway-calls.sh http://host:port}

b64() { printf %s "$1" | base64 -w0; }

# call NAME PATH BODY [curl args...]
call() {
  local name=$1 path=$2 body=$3
  shift 3
  echo "### $name"
  curl -sS -m 5 -w '\n[http %{http_code}]\n' -X POST "$ep$path" -d "$body" "$@"
}

# stream NAME PATH BODY SECONDS: a streamed response, read for SECONDS (watch, observe never end)
stream() {
  echo "### $1"
  curl -sS -N -m "$4" -w '\n[http %{http_code}]\n' "$ep$2" -d "$3" 2>/dev/null
}

foo=$(b64 foo)
call "put foo" /v3/kv/put "{\"key\":\"$foo\",\"value\":\"$(b64 bar)\"}"
call "put foo again, prev_kv" /v3/kv/put "{\"key\":\"$foo\",\"value\":\"$(b64 baz)\",\"prev_kv\":true}"
for i in 1 2 3 4; do
  call "put p/$i" /v3/kv/put "{\"key\":\"$(b64 p/$i)\",\"value\":\"$(b64 v$i)\"}"
done
call "range foo" /v3/kv/range "{\"key\":\"$foo\"}"
call "range prefix p/, limit 2, descending by key" /v3/kv/range \
  "{\"key\":\"$(b64 p/)\",\"range_end\":\"$(b64 p0)\",\"limit\":2,\"sort_order\":\"DESCEND\"}"
call "range prefix, keys only, limit as a string" /v3/kv/range \
  "{\"key\":\"$(b64 p/)\",\"range_end\":\"$(b64 p0)\",\"keys_only\":true,\"limit\":\"9223372036854775807\"}"
call "range all, count only" /v3/kv/range "{\"key\":\"AA==\",\"range_end\":\"AA==\",\"count_only\":true}"
call "range foo at revision 2" /v3/kv/range "{\"key\":\"$foo\",\"revision\":2}"
call "range foo, serializable" /v3/kv/range "{\"key\":\"$foo\",\"serializable\":true}"
call "range with an unknown field" /v3/kv/range "{\"key\":\"$foo\",\"no_such_field\":1}"
call "range, empty body" /v3/kv/range ""
call "range, key not base64" /v3/kv/range '{"key":"!!"}' -o /dev/null
call "range, not JSON" /v3/kv/range '{bad' -o /dev/null
call "range under /v3beta" /v3beta/kv/range "{\"key\":\"$foo\"}"
call "deleterange p/1, prev_kv" /v3/kv/deleterange "{\"key\":\"$(b64 p/1)\",\"prev_kv\":true}"
call "txn: compare value, then put and range" /v3/kv/txn \
  "{\"compare\":[{\"key\":\"$foo\",\"target\":\"VALUE\",\"result\":\"EQUAL\",\"value\":\"$(b64 baz)\"}],\
\"success\":[{\"request_put\":{\"key\":\"$(b64 t)\",\"value\":\"$(b64 1)\"}},{\"request_range\":{\"key\":\"$foo\"}}],\
\"failure\":[{\"request_delete_range\":{\"key\":\"$foo\"}}]}"
call "txn: compare version fails" /v3/kv/txn \
  "{\"compare\":[{\"key\":\"$foo\",\"target\":\"VERSION\",\"result\":\"GREATER\",\"version\":5}],\
\"failure\":[{\"request_range\":{\"key\":\"$(b64 t)\"}}]}"
call "txn: the same key twice" /v3/kv/txn \
  "{\"success\":[{\"request_put\":{\"key\":\"$foo\"}},{\"request_put\":{\"key\":\"$foo\"}}]}"

call "lease grant 1001, 60 s" /v3/lease/grant '{"ID":1001,"TTL":60}'
call "lease grant 1001 again" /v3/lease/grant '{"ID":1001,"TTL":60}'
call "put l with lease 1001" /v3/kv/put "{\"key\":\"$(b64 l)\",\"value\":\"$(b64 x)\",\"lease\":1001}"
call "put with an unknown lease" /v3/kv/put "{\"key\":\"$(b64 l2)\",\"lease\":999}"
call "lease leases" /v3/lease/leases '{}'
call "lease leases under /v3/kv/lease" /v3/kv/lease/leases '{}'
call "lease timetolive with keys" /v3/lease/timetolive '{"ID":1001,"keys":true}'
call "lease timetolive under /v3/kv/lease" /v3/kv/lease/timetolive '{"ID":1001}'
stream "lease keepalive 1001" /v3/lease/keepalive '{"ID":1001}' 5
call "lease revoke 1001" /v3/lease/revoke '{"ID":1001}'
call "lease revoke 1001 again" /v3/kv/lease/revoke '{"ID":1001}'
call "range l after the revoke" /v3/kv/range "{\"key\":\"$(b64 l)\"}"

stream "watch foo from revision 1" /v3/watch "{\"create_request\":{\"key\":\"$foo\",\"start_revision\":1,\"prev_kv\":true}}" 2
stream "watch two ranges on one stream" /v3/watch \
  "{\"create_request\":{\"key\":\"$(b64 p/)\",\"range_end\":\"$(b64 p0)\",\"start_revision\":2}}{\"create_request\":{\"key\":\"$(b64 t)\",\"start_revision\":1,\"watch_id\":7}}" 2

call "compaction at 4" /v3/kv/compaction '{"revision":4,"physical":true}'
call "range at compacted revision 2" /v3/kv/range "{\"key\":\"$foo\",\"revision\":2}"
call "compaction at 4 again" /v3/kv/compaction '{"revision":4}'
stream "watch from a compacted revision" /v3/watch "{\"create_request\":{\"key\":\"$foo\",\"start_revision\":2}}" 2

call "lock with lease 1002" /v3/lease/grant '{"ID":1002,"TTL":60}'
call "lock l1" /v3/lock/lock "{\"name\":\"$(b64 l1)\",\"lease\":1002}"
call "range l1 prefix" /v3/kv/range "{\"key\":\"$(b64 l1/)\",\"range_end\":\"$(b64 l10)\",\"keys_only\":true}"
call "unlock" /v3/lock/unlock "{\"key\":\"$(b64 l1/3ea)\"}"
call "election campaign" /v3/election/campaign "{\"name\":\"$(b64 e1)\",\"lease\":1002,\"value\":\"$(b64 a)\"}"
rev=$(curl -sS -m 5 "$ep/v3/election/leader" -d "{\"name\":\"$(b64 e1)\"}" | sed -n 's/.*"create_revision":"\([0-9]*\)".*/\1/p')
call "election leader" /v3/election/leader "{\"name\":\"$(b64 e1)\"}"
call "election proclaim" /v3/election/proclaim \
  "{\"leader\":{\"name\":\"$(b64 e1)\",\"key\":\"$(b64 e1/3ea)\",\"rev\":$rev,\"lease\":1002},\"value\":\"$(b64 b)\"}"
stream "election observe" /v3/election/observe "{\"name\":\"$(b64 e1)\"}" 2
call "election resign" /v3/election/resign \
  "{\"leader\":{\"name\":\"$(b64 e1)\",\"key\":\"$(b64 e1/3ea)\",\"rev\":$rev,\"lease\":1002}}"
call "election leader after resign" /v3/election/leader "{\"name\":\"$(b64 e1)\"}"

call "member list" /v3/cluster/member/list '{}'
call "member remove an unknown member" /v3/cluster/member/remove '{"ID":12345}'
call "member promote an unknown member" /v3/cluster/member/promote '{"ID":12345}'
call "maintenance status" /v3/maintenance/status '{}'
call "maintenance alarm get" /v3/maintenance/alarm '{}'
call "maintenance hash" /v3/maintenance/hash '{}'
call "maintenance defragment" /v3/maintenance/defragment '{}'
call "maintenance transfer-leadership to nobody" /v3/maintenance/transfer-leadership '{"targetID":12345}'

call "user add root" /v3/auth/user/add "{\"name\":\"root\",\"password\":\"rootpw\"}"
call "user grant root root" /v3/auth/user/grant '{"user":"root","role":"root"}'
call "role add r" /v3/auth/role/add '{"name":"r"}'
call "role grant r read p/" /v3/auth/role/grant \
  "{\"name\":\"r\",\"perm\":{\"permType\":\"READ\",\"key\":\"$(b64 p/)\",\"range_end\":\"$(b64 p0)\"}}"
call "role get r" /v3/auth/role/get '{"role":"r"}'
call "user add u" /v3/auth/user/add "{\"name\":\"u\",\"password\":\"upw\"}"
call "user grant u r" /v3/auth/user/grant '{"user":"u","role":"r"}'
call "user get u" /v3/auth/user/get '{"name":"u"}'
call "user list" /v3/auth/user/list '{}'
call "role list" /v3/auth/role/list '{}'
call "auth enable" /v3/auth/enable '{}'
call "range without a token" /v3/kv/range "{\"key\":\"$foo\"}"
call "authenticate u, wrong password" /v3/auth/authenticate '{"name":"u","password":"nope"}'
call "authenticate u" /v3/auth/authenticate '{"name":"u","password":"upw"}'
token=$(curl -sS -m 5 "$ep/v3/auth/authenticate" -d '{"name":"u","password":"upw"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
call "u ranges p/ with its token" /v3/kv/range "{\"key\":\"$(b64 p/)\",\"range_end\":\"$(b64 p0)\"}" \
  -H "Authorization: $token"
call "u ranges foo with its token" /v3/kv/range "{\"key\":\"$foo\"}" -H "Authorization: $token"
call "u puts p/9 with its token" /v3/kv/put "{\"key\":\"$(b64 p/9)\"}" -H "Authorization: $token"
call "a bad token" /v3/kv/range "{\"key\":\"$foo\"}" -H "Authorization: not-a-token"
root=$(curl -sS -m 5 "$ep/v3/auth/authenticate" -d '{"name":"root","password":"rootpw"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
call "auth disable as root" /v3/auth/disable '{}' -H "Authorization: $root"
call "range after auth disable" /v3/kv/range "{\"key\":\"$foo\"}"

call "an unknown path under /v3" /v3/kv/nothing '{}'
call "a path outside /v3" /metricsx '{}'
echo "### GET on a route"
curl -sS -m 5 -w '\n[http %{http_code}]\n' "$ep/v3/kv/range"
echo "### GET /health"
curl -sS -m 5 -w '\n[http %{http_code}]\n' "$ep/health"
echo "### GET /version"
curl -sS -m 5 -w '\n[http %{http_code}]\n' "$ep/version"
echo "### OPTIONS on a route"
curl -sS -m 5 -o /dev/null -w '[http %{http_code}]\n' -X OPTIONS "$ep/v3/kv/range"
