"""The admin console: pages by section, their JSON twins, forms, sign-in, strings and background checks."""
