package release

import "testing"

func TestValidateTagAccepts(t *testing.T) {
	for _, good := range []string{"v0.3.0", "release/v1", "v1.2.3-rc.1+build", "go1.26", "v1@2"} {
		if err := ValidateTag(good); err != nil {
			t.Errorf("ValidateTag(%q) = %v, want nil", good, err)
		}
	}
}
