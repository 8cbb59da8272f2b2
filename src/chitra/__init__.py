"""chitra — cashless payment of pensions and social-insurance benefits."""
