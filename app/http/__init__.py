"""HTTP helpers shared by the app's endpoints (content negotiation)."""
