"""aq-is-conflict: raw documents -> coded, evidence-checked records -> a validated data package."""
