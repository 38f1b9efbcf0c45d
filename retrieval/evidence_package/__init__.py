"""The evidence package (出证, issue 18): everything a court's expert needs to check a contract
without trusting the platform, in one ZIP that ``tools/econtract-verify`` checks offline."""
