"""The Viewcount CDK app, and the definitions it shares with the local stack."""
