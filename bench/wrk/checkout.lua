-- The checkout API's two calls: open a pre-order, then issue its order number.
local file = assert(io.open(os.getenv("BODY_FILE"), "r"))
local basket = file:read("*a")
file:close()
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. os.getenv("CHECKOUT_API_TOKEN"),
}
local opened = {}

function request()
  local id = table.remove(opened)
  if id then
    return wrk.format("POST", "/api/pre-orders/" .. id .. "/order-number", headers, "{}")
  end
  return wrk.format("POST", "/api/pre-orders", headers, basket)
end

function response(status, response_headers, body)
  local id = body:match('"id":%s*(%d+)')
  if status == 201 and body:find('"order_number":null', 1, true) and id then
    table.insert(opened, id)
  end
end

dofile(os.getenv("BENCH_DIR") .. "/wrk/summary.lua")
