-- POST the same JSON body (from BODY_FILE) on every request.
local file = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "application/json"
-- FORWARDED_FOR: the caller's address as the proxy in front reports it (a caller outside the allow-list).
if os.getenv("FORWARDED_FOR") then wrk.headers["X-Forwarded-For"] = os.getenv("FORWARDED_FOR") end
file:close()
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
