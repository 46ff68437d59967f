from django import forms


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class CodeForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.HiddenInput)
    code = forms.RegexField(
        label="Login code",
        regex=r"^\s*\d{6}\s*$",
        max_length=20,
        error_messages={"invalid": "Enter the 6-digit code from the email."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()
