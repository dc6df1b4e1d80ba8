"""What the round tells the rest of massline (webhooks, for one) as it moves."""

from django.dispatch import Signal

# Sent by services.forward inside its transaction, with round_, unit (the forwarding unit) and
# entry_ids. Forwards are written in bulk, so no post_save fires for them.
ideas_forwarded = Signal()
