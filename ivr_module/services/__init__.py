"""The domain: pre-orders and their order numbers, the hooks' checks, payment recording."""
