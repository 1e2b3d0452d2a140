-- POST the same JSON body (from BODY_FILE) on every request.
local file = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "application/json"
file:close()
dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
