"""attrs models of Airtable's Enterprise API responses, structured by the one converter."""
