"""What both features share: error containment (guard), background jobs (jobs), menu actions and hook
registration (menu), web assets (web) and the HTML cleaner for note fields (sanitize)."""
