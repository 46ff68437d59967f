"""The offline Stripe.

What the rest of the product relies on:
- `stripe_sandbox.transport.SandboxHTTPClient`: the SDK's HTTP client in sandbox mode.
- Hosted pages under /sandbox/: `connect/onboarding/<token>/`, `checkout/<cs_id>/`,
  `invoices/<in_id>/` (and `pdf/`).
- `stripe_sandbox.delivery`: signed webhook delivery (`redeliver(event_id)`,
  `signed_request(event)`, `signature_header(body, secret)`).
- `stripe_sandbox.operation.sandbox_operation()`: the transaction + event-delivery boundary
  for anything (a management command, a test clock) that changes sandbox state.
"""
