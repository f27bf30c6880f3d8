"""The admin dashboard at `/`: a thin browser client of the GraphQL API, served offline."""
