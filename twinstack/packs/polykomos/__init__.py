"""The polykomos twin."""
