"""The sandbox's API endpoints, one module per Stripe resource; `routes.ROUTES` maps them."""
