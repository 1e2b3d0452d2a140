-- Each request pays a fresh order: order numbers come from ORDERS_FILE, split between threads.
local numbers = {}
for line in io.lines(os.getenv("ORDERS_FILE")) do numbers[#numbers + 1] = line end
local username, password = os.getenv("IVR_USERNAME"), os.getenv("IVR_PASSWORD")
local threads = {}

function setup(thread)
  thread:set("first", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  step = tonumber(os.getenv("WRK_THREADS"))
  position = first
end

function request()
  local number = numbers[position]
  position = position + step
  assert(number, "ran out of seeded orders: seed more")
  local body = string.format(
    '{"username": "%s", "password": "%s", "orderResultRequest": '
      .. '{"orderNumber": "%s", "referenceNumber": "BENCH-%s", "staffId": "42", "success": true}}',
    username, password, number, number)
  return wrk.format("POST", "/hooks/ivr/complete/", {["Content-Type"] = "application/json"}, body)
end

dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
