"""The ITSM domain, free of any chat platform: rules (pure) and the use cases that apply them."""
