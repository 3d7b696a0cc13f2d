// The SAML HTTP-POST binding: posts the page's form to the identity provider as soon as the page is read.
// Loaded with `defer`, so the form is there; its visible button does the same when scripts are off.
document.querySelector('form[data-autosubmit]')?.submit();
