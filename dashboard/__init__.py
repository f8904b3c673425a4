"""The Streamlit web app: pages, small UI components, data access."""
