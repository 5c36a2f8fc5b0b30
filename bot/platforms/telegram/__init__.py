"""The Telegram platform: python-telegram-bot in polling or webhook mode, cards in team groups."""
